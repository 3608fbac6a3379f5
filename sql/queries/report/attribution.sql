-- Report: the Attribution table of account $1, every window of the period's
-- posts (report_period, report/period).  Streamed; the last ORDER BY is top level.
SELECT fa.tweet_id,
       to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS posted_at,
       round(fa.time_window_hours)::int AS window_hours, fa.followers_before, fa.followers_after,
       fa.followers_gained, round(fa.confidence_score, 4) AS confidence, fa.attribution_method,
       round(fa.follower_retention_rate, 4) AS retention_rate
  FROM follower_attributions fa
  JOIN pg_temp.report_period p ON p.tweet_id = fa.tweet_id
 WHERE fa.account_id = $1
 ORDER BY p.posted_at, length(fa.tweet_id), fa.tweet_id COLLATE "C", fa.time_window_hours
