-- The session's application_name while a stage runs ("xetl fit ag00012"), and
-- "xetl" again after it: pg_stat_activity then says which stage and account
-- each backend of a nightly is working on, and what the server spends its CPU
-- on can be told per stage.  $1 the name (the server cuts it at 63 bytes).
-- Session-wide (not local), so it holds across the stage's transactions.
SELECT set_config('application_name', $1, false)
