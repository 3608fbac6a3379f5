-- The stages still 'running' of failed runs (closed by runlog/close_stale_runs)
-- become 'failed' too.  No parameters.
UPDATE xetl.run_stages s
   SET status = 'failed', error = 'interrupted'
  FROM xetl.runs r
 WHERE r.run_id = s.run_id AND s.status = 'running' AND r.status = 'failed'
