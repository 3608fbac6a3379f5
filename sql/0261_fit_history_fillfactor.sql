-- 0261 fit_history_fillfactor: every night most of xetl.fit_history's rows
-- of the range's posts are rewritten (each such post has a new snapshot, so
-- its fits change).  With full pages each update is a new tuple elsewhere and
-- a new entry in the key's index; with half of each page free it is a
-- heap-only (HOT) update on the same page (measured: fit/history_save's
-- server CPU about halved, docs/scaling.md "Fit").  Applies to pages written
-- from now on.
ALTER TABLE xetl.fit_history SET (fillfactor = 50);
