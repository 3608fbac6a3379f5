-- The account's existing platform follows: the export with the latest as-of
-- wins; only rows whose values differ are written (see posts_merge).  $1 account.
UPDATE xetl.platform_follows pf
   SET follows = n.follows, as_of = n.as_of, source_file = n.source_file
  FROM import_follow_rows n
 WHERE pf.account_id = $1::bigint AND pf.account_id = n.account_id AND pf.tweet_id = n.tweet_id
   AND pf.as_of <= n.as_of
   AND (pf.follows, pf.as_of, pf.source_file) IS DISTINCT FROM (n.follows, n.as_of, n.source_file)
