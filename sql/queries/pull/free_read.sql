-- The bot posts no account tracked when run $1 filled xetl.pull_bot_free for the
-- window [$2, $3], less those a pull of the run has taken since (free_claim.sql),
-- that user $4 may have written (no author known, or $4), in bots.sql's columns
-- and order; unknown: no author known (the run's first pull asks X for those).
SELECT tid, decision_ref AS ref, kind, posted_at, ptid, puser, ct_id, ct_name, formula, hook, gm, author_id IS NULL AS unknown
  FROM xetl.pull_bot_free
 WHERE run_id = $1::bigint AND from_t = $2::timestamptz AND to_t = $3::timestamptz
   AND (author_id IS NULL OR author_id = $4)
 ORDER BY tid, decision_ref
