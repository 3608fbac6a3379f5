-- Drops the raw X responses landed before $1 (timestamptz); $2 = dry run
-- (count only).  Returns the month partitions dropped and the rows removed.
SELECT partitions, removed FROM xetl.prune_raw_responses($1::timestamptz, $2::boolean)
