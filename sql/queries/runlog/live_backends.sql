-- The pids of every live server backend, as int[] text ('{}' when none).
SELECT coalesce(array_agg(pid), '{}')::text AS pids
  FROM pg_stat_activity
