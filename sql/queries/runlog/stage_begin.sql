-- A stage of a run starts: $1 run_id, $2 stage name, $3 account_id (NULL for
-- a stage of the whole run: rollup, mail).
INSERT INTO xetl.run_stages (run_id, stage, account_id)
VALUES ($1, $2, $3)
RETURNING stage_id
