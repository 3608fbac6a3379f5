-- 0125 runs_backend_pid: the PostgreSQL backend of the session that runs a
-- command.  A row still 'running' whose backend no longer exists belongs to a
-- process that was killed, so any later command can close it (docs/operations.md).
ALTER TABLE xetl.runs ADD COLUMN IF NOT EXISTS backend_pid integer;
