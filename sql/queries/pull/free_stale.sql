-- The runs whose rows in xetl.pull_bot_free (and its runs table) a killed run
-- left: every run but $1 that is no longer running (xetl.runs), and the
-- sessions without a run (a negative key: minus the backend's pid) that ended,
-- as an array literal.  $2: the live backends' pids (runlog/live_backends), read
-- first because Citus does not join a reference table with a catalog view.
SELECT coalesce(array_agg(DISTINCT g.run_id), '{}')::text AS gone
  FROM xetl.pull_bot_free_runs g
 WHERE g.run_id <> $1::bigint
   AND NOT EXISTS (SELECT 1 FROM xetl.runs r WHERE r.run_id = g.run_id AND r.status = 'running')
   AND NOT (g.run_id < 0 AND -g.run_id = ANY ($2::int[]))
