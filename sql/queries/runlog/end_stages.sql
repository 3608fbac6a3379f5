-- A failed run's stages still 'running' (a --jobs worker that died inside
-- one) are closed with the run.  $1 run_id.
UPDATE xetl.run_stages
   SET finished_at = statement_timestamp(), status = 'failed',
       error = 'interrupted: its job ended without finishing'
 WHERE run_id = $1 AND status = 'running'
