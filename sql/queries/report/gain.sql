-- Report: the followers of account $1 at the end of each UTC day in [$2, $3)
-- and the change over the day, as in report/daily (the trend chart's
-- previous period needs only these).
SELECT to_char(days.day, 'YYYY-MM-DD') AS day, fe.followers_count AS followers_end_of_day,
       fe.followers_count - fs.followers_count AS followers_change
  FROM (SELECT d::date AS day FROM generate_series(date_trunc('day', $2::timestamptz),
               $3::timestamptz - interval '1 second', interval '1 day') d) days
  LEFT JOIN LATERAL (SELECT s.followers_count FROM xetl.follower_samples s
                      WHERE s.account_id = $1 AND s.sampled_at <= xetl.day_end(days.day)
                      ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1) fe ON true
  LEFT JOIN LATERAL (SELECT s.followers_count FROM xetl.follower_samples s
                      WHERE s.account_id = $1 AND s.sampled_at <= xetl.day_end(days.day - 1)
                      ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1) fs ON true
 ORDER BY days.day
