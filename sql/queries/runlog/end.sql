-- A run ends: $1 run_id, $2 status ('ok' or 'failed'), $3 exit code,
-- $4 error line (NULL when ok), $5 counts (JSON object), $6/$7 the range it
-- covered (NULL when none), $8 its as-of (a command may settle its own).
UPDATE xetl.runs
   SET finished_at = statement_timestamp(), status = $2, exit_code = $3, error = $4,
       counts = $5::jsonb, range_from = $6, range_to = $7, as_of = $8
 WHERE run_id = $1
