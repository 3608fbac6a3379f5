-- The overview's days into xetl.daily_follows: a day already there keeps a
-- count the file lacks; unchanged rows are not rewritten.  $1 account, $2 file name.
INSERT INTO xetl.daily_follows AS df (account_id, day, new_follows, unfollows, source_file, metrics)
SELECT $1::bigint, day, new_follows, unfollows, $2::text, metrics FROM import_days WHERE reason IS NULL
    ON CONFLICT (account_id, day) DO UPDATE
   SET new_follows = coalesce(excluded.new_follows, df.new_follows),
       unfollows = coalesce(excluded.unfollows, df.unfollows),
       source_file = excluded.source_file, metrics = excluded.metrics
 WHERE (df.new_follows, df.unfollows, df.source_file, df.metrics)
       IS DISTINCT FROM (coalesce(excluded.new_follows, df.new_follows),
                         coalesce(excluded.unfollows, df.unfollows), excluded.source_file, excluded.metrics)
RETURNING 1
