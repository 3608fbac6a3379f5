-- A stage ends: $1 stage_id, $2 status ('ok' or 'failed'), $3 counts (JSON
-- object), $4 error (NULL when ok).
UPDATE xetl.run_stages
   SET finished_at = statement_timestamp(), status = $2, counts = $3::jsonb, error = $4
 WHERE stage_id = $1
