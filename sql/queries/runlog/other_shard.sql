-- A running shard of another N than the caller's: $1 the caller's run_id,
-- $2 its N.  Shards of different N would cover some accounts twice.
SELECT run_id, shard
  FROM xetl.runs
 WHERE status = 'running' AND run_id <> $1 AND split_part(shard, '/', 2) <> $2
 ORDER BY run_id
 LIMIT 1
