-- On a Citus coordinator, places every table not yet placed
-- (xetl.distribute_by_account, migration 0130) and returns how many; NULL
-- without the citus extension.  No parameters.
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
            THEN xetl.distribute_by_account() END AS placed
