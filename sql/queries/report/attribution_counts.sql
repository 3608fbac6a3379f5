-- Report: the Attribution table's (report/attribution) row count, then its
-- values per column, from the period's posts (report_period, report/period).
SELECT coalesce(sum(n), 0) AS n_rows, coalesce(sum(n), 0) AS tweet_id, coalesce(sum(n), 0) AS posted_at,
       coalesce(sum(n_window), 0) AS window_hours, coalesce(sum(n_before), 0) AS followers_before,
       coalesce(sum(n_after), 0) AS followers_after, coalesce(sum(n_gained), 0) AS followers_gained,
       coalesce(sum(n_confidence), 0) AS confidence, coalesce(sum(n_method), 0) AS method,
       coalesce(sum(n_retention), 0) AS retention_rate
  FROM pg_temp.report_period
