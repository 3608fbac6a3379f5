-- The end of run $1: its rows of xetl.pull_bot_free and its runs table go.
WITH rows AS (DELETE FROM xetl.pull_bot_free WHERE run_id = $1::bigint)
DELETE FROM xetl.pull_bot_free_runs WHERE run_id = $1::bigint
