-- A command that changes data starts: its xetl.runs row, 'running' until
-- runlog/end closes it.  $1 command, $2 as-of, $3 OS pid, $4 host name,
-- $5 xetl version.  The session's backend pid is what tells a killed run
-- from a live one (runlog/close_stale_runs).
INSERT INTO xetl.runs (command, as_of, pid, hostname, xetl_version, backend_pid)
VALUES ($1, $2, $3, $4, $5, pg_backend_pid())
RETURNING run_id
