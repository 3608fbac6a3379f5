-- Runs left 'running' by a killed process become 'failed': those whose
-- session backend is gone, and (when $2, the caller holds the nightly lock)
-- those from before backend_pid was recorded.  $1 the caller's own run_id
-- (0 for none), $2 locked, $3 the live backends (int[] text, from
-- runlog/live_backends: on Citus an UPDATE of a reference table cannot read
-- a catalog view).
UPDATE xetl.runs r
   SET status = 'failed', error = 'interrupted: the process ended without finishing'
 WHERE r.status = 'running' AND r.run_id <> $1
   AND (CASE WHEN r.backend_pid IS NULL THEN $2::boolean
             ELSE r.backend_pid <> ALL ($3::int[]) END)
