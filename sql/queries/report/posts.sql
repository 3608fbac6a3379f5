-- Report: the Posts table of account $1, posts published in [$2, $3): latest
-- counters, engagement rate (xetl.engagement_rate), fitted half-life, the
-- 7-day likes the prediction was scored against (empty until day 7) and the
-- 7-day attribution.  Streamed; the last ORDER BY is top level (report_gather
-- counts the rows without it).
SELECT p.tweet_id,
       to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS posted_at,
       p.kind, p.status,
       coalesce(nullif(p.content_type_name, ''), t.content_type) AS content_type,
       coalesce(nullif(p.viral_formula, ''), t.viral_formula) AS formula,
       coalesce(nullif(p.hook_used, ''), t.hook_used) AS hook,
       p.text,
       t.impressions, t.likes, t.retweets, t.replies, t.quotes, t.bookmarks,
       round(xetl.engagement_rate(t.likes, t.retweets, t.replies, t.impressions), 6) AS engagement_rate,
       t.half_life_minutes, t.predicted_likes, round(pa.actual_7d)::bigint AS actual_likes_7d,
       round(t.prediction_accuracy, 4) AS prediction_accuracy,
       fa.followers_gained, round(fa.confidence_score, 4) AS confidence, fa.attribution_method
  FROM xetl.posts p
  LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
  LEFT JOIN LATERAL (SELECT x.actual_7d FROM xetl.predictions x
                      WHERE x.account_id = p.account_id AND x.tweet_id = p.tweet_id AND x.metric = 'likes'
                        AND x.actual_7d IS NOT NULL
                      ORDER BY x.as_of DESC LIMIT 1) pa ON true
  LEFT JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id
        AND fa.time_window_hours = xetl.window_7d_hours()
 WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
 ORDER BY p.posted_at, length(p.tweet_id), p.tweet_id COLLATE "C"
