-- The running run that most probably holds a lock another run was refused:
-- the latest 'running' run started before the caller's ($1, 0 for none),
-- of shard $2 when given (NULL: any).
SELECT run_id, command, coalesce(pid::text, '?') AS pid, coalesce(hostname, '?') AS hostname,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started,
       coalesce(', shard ' || shard, '') AS shard_note
  FROM xetl.runs
 WHERE status = 'running'
   AND run_id <> $1 AND run_id < coalesce(nullif($1::bigint, 0), 9223372036854775807)
   AND ($2::text IS NULL OR shard = $2)
 ORDER BY started_at DESC
 LIMIT 1
