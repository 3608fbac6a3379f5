-- Report: the Posts table (report_period, report/period): latest counters,
-- engagement rate (xetl.engagement_rate), fitted half-life, the 7-day likes
-- the prediction was scored against (empty until day 7) and the 7-day
-- attribution.  Streamed; the last ORDER BY is top level (report_gather
-- counts the rows without it).
SELECT tweet_id, to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS posted_at,
       kind, status, content_type, formula, hook, text,
       impressions, likes, retweets, replies, quotes, bookmarks,
       round(xetl.engagement_rate(likes, retweets, replies, impressions), 6) AS engagement_rate,
       half_life_minutes, predicted_likes, round(actual_7d)::bigint AS actual_likes_7d,
       round(prediction_accuracy, 4) AS prediction_accuracy,
       followers_gained, round(confidence_score, 4) AS confidence, attribution_method
  FROM pg_temp.report_period
 ORDER BY posted_at, length(tweet_id), tweet_id COLLATE "C"
