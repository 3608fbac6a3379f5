-- 0290 snapshots_covering_key: the snapshots' key carries the four counters
-- the nightly reads (likes, retweets, replies, impressions), so fit's,
-- attribute's and learn's reads of performance_snapshots are index-only
-- scans: an account's entries lie together in the key's order, where its
-- heap rows (about 210 bytes each, one page run per night) are spread over
-- every night it was pulled.  On the 1,000-account benchmark database
-- (45 M snapshots, 9.4 GB of heap, larger than memory with the rest) fit
-- read about 1,850 scattered pages per account; see docs/scaling.md,
-- "Snapshots read from their key".
--
-- The key's columns and name are unchanged (every writer's ON CONFLICT names
-- the columns); the INCLUDE columns are stored in the index only.  An update
-- that changes one of them is no longer heap-only, but a snapshot is only
-- rewritten when a rerun brings different counters for the same as-of.
--
-- Index-only scans need the visibility map.  The table is mostly appended to
-- (a row is rewritten only when a rerun brings other counters for the same
-- as-of, and prune deletes old ones), so it is vacuumed after 2 % of new rows
-- instead of the default 20 %: a large table would otherwise go many nights
-- between vacuums, and every page written since is read from the heap too.
--
-- The rebuild holds an exclusive lock on the table while it runs (36 s for
-- 45 M rows): migrate before the nightly, not beside it.
-- The key was created by 0130 (ADD UNIQUE (account_id, …)), which names it
-- the same in every database it migrated.  Each statement is its own query
-- string ("-- split", etl/migrate.c), all in the migration's one transaction
-- (no writer sees the table without its key): on a table Citus already
-- distributes, it runs ADD CONSTRAINT neither beside another subcommand nor
-- in a string of several statements.
ALTER TABLE performance_snapshots
    DROP CONSTRAINT performance_snapshots_account_id_tweet_id_snapshot_at_sourc_key;
-- split
ALTER TABLE performance_snapshots
    ADD CONSTRAINT performance_snapshots_account_id_tweet_id_snapshot_at_sourc_key
    UNIQUE (account_id, tweet_id, snapshot_at, source) INCLUDE (likes, retweets, replies, impressions);
-- split
ALTER TABLE performance_snapshots SET (autovacuum_vacuum_insert_scale_factor = 0.02);
