-- 0240 attributions_fillfactor: every nightly attribute run updates each
-- follower_attributions row of the range (measured_at moves with the as-of).
-- With full pages every update is a new tuple elsewhere plus an entry in both
-- indexes; with half of each page kept free it is a heap-only (HOT) update on
-- the same page and the indexes are not touched (measured: the merge's server
-- CPU halved, docs/scaling.md "Attribute").  Applies to pages written from now on.
ALTER TABLE follower_attributions SET (fillfactor = 50);
