-- Report: the best-time heatmap of account $1: mean 7-day attributed
-- followers per post by UTC weekday (0 = Monday) and hour, over the $3 days
-- before $2.
SELECT extract(isodow FROM p.posted_at)::int - 1 AS dow, extract(hour FROM p.posted_at)::int AS hour,
       avg(fa.followers_gained)::float8 AS followers, count(*) AS n
  FROM xetl.posts p
  JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id
       AND fa.time_window_hours = xetl.window_7d_hours()
 WHERE p.account_id = $1 AND p.posted_at >= $2::timestamptz - $3::int * interval '1 day'
   AND p.posted_at < $2
 GROUP BY 1, 2
