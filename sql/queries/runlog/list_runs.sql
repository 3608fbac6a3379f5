-- The latest $1 runs, newest first, as `xetl runs` prints them; $2 true:
-- only the pipeline's (nightly, rerun, demo).
SELECT run_id, command, status,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS started,
       coalesce(round(extract(epoch FROM finished_at - started_at)::numeric, 1)::text, '-') AS seconds,
       to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS as_of,
       coalesce(exit_code::text, '-') AS exit_code, coalesce(error, '') AS error,
       coalesce(shard, '-') AS shard
  FROM xetl.runs
 WHERE NOT $2::boolean OR command IN ('nightly', 'rerun', 'demo')
 ORDER BY run_id DESC
 LIMIT $1::int
