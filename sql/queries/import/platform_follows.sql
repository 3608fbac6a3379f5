-- Platform-reported follows per post: the export with the latest as-of wins;
-- unchanged rows are not rewritten.  $1 account, $2 as-of, $3 file name.
INSERT INTO xetl.platform_follows AS pf (tweet_id, account_id, follows, as_of, source_file)
SELECT tweet_id, $1::bigint, follows, $2::timestamptz, $3::text FROM import_rows
 WHERE follows IS NOT NULL
    ON CONFLICT (account_id, tweet_id) DO UPDATE
   SET follows = excluded.follows, as_of = excluded.as_of, source_file = excluded.source_file
 WHERE pf.as_of <= excluded.as_of
   AND (pf.follows, pf.as_of, pf.source_file) IS DISTINCT FROM (excluded.follows, excluded.as_of, excluded.source_file)
RETURNING 1
