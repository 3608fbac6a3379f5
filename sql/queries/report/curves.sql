-- Report: the fitted likes curves (Lomax A, c_h, theta) of the five most
-- liked posts of the period (report_period, report/period) that have one.
SELECT tweet_id, coalesce(text, '') AS text, (likes_curve->>'A')::float8 AS a,
       (likes_curve->>'c_h')::float8 AS c_h, (likes_curve->>'theta')::float8 AS theta
  FROM pg_temp.report_period
 WHERE likes_curve IS NOT NULL
 ORDER BY likes DESC NULLS LAST, posted_at, length(tweet_id), tweet_id COLLATE "C"
 LIMIT 5
