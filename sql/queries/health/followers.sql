-- Health: per UTC day in [$2, $3) of account $1, the followers at the end of
-- the day and at its start (the last sample by xetl.day_end of the day and of
-- the day before, migration 0190) when the end-of-day sample was taken that
-- day (else the day's change comes from the export's daily follows), those
-- follows and unfollows, and the learn cycles completed by the end of the day.
WITH days AS (SELECT d AS day FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 second',
                                                   interval '1 day') d)
SELECT to_char(days.day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
       CASE WHEN fe.sampled_at > days.day THEN fe.followers_count END AS f_end,
       fs.followers_count AS f_start, df.new_follows, df.unfollows,
       (SELECT count(DISTINCT l.as_of) FROM learning_updates l
         WHERE l.account_id = $1 AND l.as_of < days.day + interval '1 day') AS cycles
  FROM days
  LEFT JOIN LATERAL (SELECT s.sampled_at, s.followers_count FROM xetl.follower_samples s
                      WHERE s.account_id = $1 AND s.sampled_at <= xetl.day_end((days.day AT TIME ZONE 'UTC')::date)
                      ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1) fe ON true
  LEFT JOIN LATERAL (SELECT s.followers_count FROM xetl.follower_samples s
                      WHERE s.account_id = $1 AND s.sampled_at <= xetl.day_end((days.day AT TIME ZONE 'UTC')::date - 1)
                      ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1) fs ON true
  LEFT JOIN xetl.daily_follows df ON df.account_id = $1 AND df.day = (days.day AT TIME ZONE 'UTC')::date
