-- pull_stage → reply_performance for account $1 at as-of $2: the latest counters of its replies.
-- An older as-of never overwrites a newer one; the same as-of only when a value differs.
INSERT INTO reply_performance AS r (decision_id, reply_tweet_id, parent_tweet_id, parent_username, likes,
                                    replies, impressions, engagement_rate, reply_metadata, account_id, updated_at)
SELECT p.decision_id, s.tweet_id, coalesce(p.parent_tweet_id, ''), coalesce(p.parent_username, ''),
       s.likes, s.replies, s.impressions,
       xetl.engagement_rate(s.likes, s.retweets, s.replies, s.impressions),
       jsonb_build_object('as_of', $2::timestamptz, 'retweets', s.retweets, 'quotes', s.quotes,
                          'bookmarks', s.bookmarks, 'source', 'api'),
       $1::bigint, now()
  FROM (SELECT DISTINCT ON (tweet_id) * FROM pull_stage WHERE has_metrics
         ORDER BY tweet_id, raw_response_id DESC) s
  JOIN xetl.posts p ON p.tweet_id = s.tweet_id AND p.account_id = $1::bigint
 WHERE p.kind = 'reply'
ON CONFLICT (account_id, reply_tweet_id) DO UPDATE SET
    decision_id = EXCLUDED.decision_id, parent_tweet_id = EXCLUDED.parent_tweet_id,
    parent_username = EXCLUDED.parent_username, likes = EXCLUDED.likes, replies = EXCLUDED.replies,
    impressions = EXCLUDED.impressions, engagement_rate = EXCLUDED.engagement_rate,
    reply_metadata = coalesce(r.reply_metadata, '{}'::jsonb) || EXCLUDED.reply_metadata,
    updated_at = EXCLUDED.updated_at
WHERE (xetl.json_ts(r.reply_metadata->>'as_of') IS NULL
       OR xetl.json_ts(r.reply_metadata->>'as_of') < xetl.json_ts(EXCLUDED.reply_metadata->>'as_of')
       OR (xetl.json_ts(r.reply_metadata->>'as_of') = xetl.json_ts(EXCLUDED.reply_metadata->>'as_of')
           AND (r.likes, r.replies, r.impressions, r.decision_id)
               IS DISTINCT FROM (EXCLUDED.likes, EXCLUDED.replies, EXCLUDED.impressions, EXCLUDED.decision_id)))
RETURNING 1
