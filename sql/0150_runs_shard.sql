-- 0150 runs_shard: the shard a nightly or rerun covered ("K/N", NULL when it
-- covered every account), so `xetl runs` and the lock's refusals can name it
-- (docs/scaling.md, Shards).
ALTER TABLE xetl.runs ADD COLUMN IF NOT EXISTS shard text
    CHECK (shard ~ '^[1-9][0-9]*/[1-9][0-9]*$');
