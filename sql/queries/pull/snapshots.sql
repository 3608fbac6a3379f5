-- pull_stage → performance_snapshots (source 'api') for account $1 at as-of $2, followers $3:
-- the latest metrics row per tweet of the account's posts.  An unchanged snapshot is not rewritten.
INSERT INTO performance_snapshots AS ps (decision_id, tweet_id, snapshot_at, hours_since_post, likes, retweets,
                                         replies, quotes, bookmarks, impressions, views, profile_clicks,
                                         url_clicks, detail_expands, engagement_rate, viral_coefficient,
                                         reply_rate, bookmark_rate, followers_at_snapshot, snapshot_metadata,
                                         account_id, source, raw_response_id)
SELECT p.decision_id, s.tweet_id, $2::timestamptz,
       greatest(0, round(extract(epoch from ($2::timestamptz - coalesce(s.created_at, p.posted_at)))::numeric
                         / 3600, 6)),
       s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions, s.impressions,
       s.profile_clicks, s.url_clicks, NULL,
       xetl.engagement_rate(s.likes, s.retweets, s.replies, s.impressions),
       CASE WHEN s.impressions > 0 THEN s.retweets::numeric / s.impressions END,
       CASE WHEN s.impressions > 0 THEN s.replies::numeric / s.impressions END,
       CASE WHEN s.impressions > 0 THEN s.bookmarks::numeric / s.impressions END,
       $3::integer, s.metrics_extra, $1::bigint, 'api', s.raw_response_id
  FROM (SELECT DISTINCT ON (tweet_id) * FROM pull_stage WHERE has_metrics
         ORDER BY tweet_id, raw_response_id DESC) s
  JOIN xetl.posts p ON p.tweet_id = s.tweet_id AND p.account_id = $1::bigint
ON CONFLICT (account_id, tweet_id, snapshot_at, source) DO UPDATE SET
    decision_id = EXCLUDED.decision_id, hours_since_post = EXCLUDED.hours_since_post,
    likes = EXCLUDED.likes, retweets = EXCLUDED.retweets, replies = EXCLUDED.replies,
    quotes = EXCLUDED.quotes, bookmarks = EXCLUDED.bookmarks, impressions = EXCLUDED.impressions,
    views = EXCLUDED.views, profile_clicks = EXCLUDED.profile_clicks, url_clicks = EXCLUDED.url_clicks,
    engagement_rate = EXCLUDED.engagement_rate, viral_coefficient = EXCLUDED.viral_coefficient,
    reply_rate = EXCLUDED.reply_rate, bookmark_rate = EXCLUDED.bookmark_rate,
    followers_at_snapshot = EXCLUDED.followers_at_snapshot, snapshot_metadata = EXCLUDED.snapshot_metadata,
    raw_response_id = EXCLUDED.raw_response_id
WHERE (ps.likes, ps.retweets, ps.replies, ps.quotes, ps.bookmarks, ps.impressions, ps.profile_clicks,
       ps.url_clicks, ps.followers_at_snapshot, ps.decision_id, ps.snapshot_metadata)
      IS DISTINCT FROM (EXCLUDED.likes, EXCLUDED.retweets, EXCLUDED.replies, EXCLUDED.quotes,
       EXCLUDED.bookmarks, EXCLUDED.impressions, EXCLUDED.profile_clicks, EXCLUDED.url_clicks,
       EXCLUDED.followers_at_snapshot, EXCLUDED.decision_id, EXCLUDED.snapshot_metadata)
RETURNING 1
