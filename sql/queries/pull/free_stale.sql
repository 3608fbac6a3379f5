-- Removes what killed runs left in xetl.pull_bot_free (and its runs table): the
-- rows of every run but $1 that is no longer running (xetl.runs), and of the
-- sessions without a run (a negative key: minus the backend's pid) that ended.
WITH gone AS (
    SELECT DISTINCT g.run_id FROM xetl.pull_bot_free_runs g
     WHERE g.run_id <> $1::bigint
       AND NOT EXISTS (SELECT 1 FROM xetl.runs r WHERE r.run_id = g.run_id AND r.status = 'running')
       AND NOT (g.run_id < 0 AND -g.run_id IN (SELECT pid FROM pg_stat_activity))),
     rows AS (DELETE FROM xetl.pull_bot_free WHERE run_id IN (SELECT run_id FROM gone))
DELETE FROM xetl.pull_bot_free_runs WHERE run_id IN (SELECT run_id FROM gone)
