-- Learn: one component's learning_updates row ($1 account, $2 run, $3 as-of,
-- $4 update_type, $5 component, $6..$9 the JSON documents, $10
-- improvement_score); a rerun at the same as-of replaces it.
INSERT INTO learning_updates (account_id, run_id, as_of, update_type, component, updates_applied,
       insights_summary, performance_before, performance_after, improvement_score)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10)
ON CONFLICT (account_id, as_of, component) DO UPDATE SET
       run_id = EXCLUDED.run_id, update_type = EXCLUDED.update_type,
       updates_applied = EXCLUDED.updates_applied, insights_summary = EXCLUDED.insights_summary,
       performance_before = EXCLUDED.performance_before, performance_after = EXCLUDED.performance_after,
       improvement_score = EXCLUDED.improvement_score
