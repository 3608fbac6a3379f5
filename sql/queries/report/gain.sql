-- Report: the followers of account $1 at the end of each UTC day in [$2, $3)
-- and the change over the day, read as report/daily reads them (the trend
-- chart's previous period needs only these): the last sample by
-- xetl.day_end of each day from the day before the first.
SELECT day, followers_end_of_day, followers_change
  FROM (SELECT to_char(e.day, 'YYYY-MM-DD') AS day, e.day AS d, e.f AS followers_end_of_day,
               e.f - lag(e.f) OVER (ORDER BY e.day) AS followers_change
          FROM (SELECT g::date AS day,
                       (SELECT s.followers_count FROM xetl.follower_samples s
                         WHERE s.account_id = $1 AND s.sampled_at <= xetl.day_end(g::date)
                         ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1) AS f
                  FROM generate_series(date_trunc('day', $2::timestamptz) - interval '1 day',
                                       $3::timestamptz - interval '1 second', interval '1 day') g) e) x
 WHERE x.d >= date_trunc('day', $2::timestamptz)::date
 ORDER BY x.d
