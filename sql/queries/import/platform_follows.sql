-- Platform-reported follows per post: the export with the latest as-of wins;
-- unchanged rows are not rewritten.  New rows by a plain INSERT, existing ones
-- through ON CONFLICT (see posts.sql).  $1 account, $2 as-of, $3 file name.
WITH n AS NOT MATERIALIZED (
    SELECT tweet_id, $1::bigint AS account_id, follows, $2::timestamptz AS as_of, $3::text AS source_file
      FROM import_rows WHERE follows IS NOT NULL),
old AS (
    INSERT INTO xetl.platform_follows AS pf (tweet_id, account_id, follows, as_of, source_file)
    SELECT * FROM n
     WHERE EXISTS (SELECT 1 FROM xetl.platform_follows x WHERE x.account_id = n.account_id AND x.tweet_id = n.tweet_id)
        ON CONFLICT (account_id, tweet_id) DO UPDATE
       SET follows = excluded.follows, as_of = excluded.as_of, source_file = excluded.source_file
     WHERE pf.as_of <= excluded.as_of
       AND (pf.follows, pf.as_of, pf.source_file)
           IS DISTINCT FROM (excluded.follows, excluded.as_of, excluded.source_file)
    RETURNING 1),
new AS (
    INSERT INTO xetl.platform_follows (tweet_id, account_id, follows, as_of, source_file)
    SELECT * FROM n
     WHERE NOT EXISTS (SELECT 1 FROM xetl.platform_follows x
                        WHERE x.account_id = n.account_id AND x.tweet_id = n.tweet_id)
    RETURNING 1)
SELECT (SELECT count(*) FROM old) + (SELECT count(*) FROM new) AS changed
