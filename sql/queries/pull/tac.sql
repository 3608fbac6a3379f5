-- pull_stage → tweet_analytics_comprehensive for account $1 at as-of $2: the latest counters.
-- An older as-of (a replay) never overwrites a newer one; the same as-of only when a value differs.
INSERT INTO tweet_analytics_comprehensive AS t (account_id, decision_id, tweet_id, posted_at, content_type,
                                                viral_formula, hook_used, likes, retweets, replies, quotes,
                                                bookmarks, impressions, impressions_organic, url_clicks,
                                                profile_clicks, user_profile_clicks, content_length, has_url,
                                                has_hashtags, engagement_rate, viral_coefficient,
                                                conversation_rate, last_scraped_at, updated_at)
SELECT $1::bigint, p.decision_id, s.tweet_id, p.posted_at,
       coalesce(p.content_type_name, p.content_type_id), p.viral_formula, p.hook_used,
       s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions, s.impressions_organic,
       s.url_clicks, s.profile_clicks, s.profile_clicks, char_length(p.text),
       p.text ~ 'https?://', p.text ~ '#[[:alnum:]_]',
       xetl.engagement_rate(s.likes, s.retweets, s.replies, s.impressions),
       CASE WHEN s.impressions > 0 THEN s.retweets::numeric / s.impressions END,
       CASE WHEN s.impressions > 0 THEN s.replies::numeric / s.impressions END,
       $2::timestamptz, now()
  FROM (SELECT DISTINCT ON (tweet_id) * FROM pull_stage WHERE has_metrics
         ORDER BY tweet_id, raw_response_id DESC) s
  JOIN xetl.posts p ON p.tweet_id = s.tweet_id AND p.account_id = $1::bigint
ON CONFLICT (account_id, tweet_id) DO UPDATE SET
    decision_id = EXCLUDED.decision_id, posted_at = EXCLUDED.posted_at,
    content_type = EXCLUDED.content_type, viral_formula = EXCLUDED.viral_formula,
    hook_used = EXCLUDED.hook_used, likes = EXCLUDED.likes, retweets = EXCLUDED.retweets,
    replies = EXCLUDED.replies, quotes = EXCLUDED.quotes, bookmarks = EXCLUDED.bookmarks,
    impressions = EXCLUDED.impressions,
    impressions_organic = coalesce(EXCLUDED.impressions_organic, t.impressions_organic),
    url_clicks = coalesce(EXCLUDED.url_clicks, t.url_clicks),
    profile_clicks = coalesce(EXCLUDED.profile_clicks, t.profile_clicks),
    user_profile_clicks = coalesce(EXCLUDED.user_profile_clicks, t.user_profile_clicks),
    content_length = EXCLUDED.content_length, has_url = EXCLUDED.has_url,
    has_hashtags = EXCLUDED.has_hashtags, engagement_rate = EXCLUDED.engagement_rate,
    viral_coefficient = EXCLUDED.viral_coefficient, conversation_rate = EXCLUDED.conversation_rate,
    last_scraped_at = EXCLUDED.last_scraped_at, updated_at = EXCLUDED.updated_at
WHERE (t.last_scraped_at IS NULL OR t.last_scraped_at < EXCLUDED.last_scraped_at
       OR (t.last_scraped_at = EXCLUDED.last_scraped_at
           AND (t.likes, t.retweets, t.replies, t.quotes, t.bookmarks, t.impressions, t.decision_id,
                t.content_type, t.viral_formula, t.hook_used)
               IS DISTINCT FROM (EXCLUDED.likes, EXCLUDED.retweets, EXCLUDED.replies, EXCLUDED.quotes,
                EXCLUDED.bookmarks, EXCLUDED.impressions, EXCLUDED.decision_id, EXCLUDED.content_type,
                EXCLUDED.viral_formula, EXCLUDED.hook_used)))
RETURNING 1
