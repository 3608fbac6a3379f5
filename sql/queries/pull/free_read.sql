-- The bot posts no account tracked when pull_bot_free was filled for the window
-- [$2, $3], less those a pull of this session has taken since (free_claim.sql),
-- that user $1 may have written (no author known, or $1), in bots.sql's columns
-- and order.
SELECT tid, did, kind, posted_at, ptid, puser, ct_id, ct_name, formula, hook, gm
  FROM pull_bot_free
 WHERE tid IS NOT NULL AND (author_id IS NULL OR author_id = $1)
   AND from_t = $2::timestamptz AND to_t = $3::timestamptz
 ORDER BY tid, decision_ref
