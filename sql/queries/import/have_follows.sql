-- The staged posts the account already has in xetl.platform_follows, and
-- whether the import changes them (the export with the latest as-of wins).
-- $1 account.
INSERT INTO import_have (target, tweet_id, differs)
SELECT 'follows', pf.tweet_id,
       pf.as_of <= n.as_of
       AND (pf.follows, pf.as_of, pf.source_file) IS DISTINCT FROM (n.follows, n.as_of, n.source_file)
  FROM xetl.platform_follows pf JOIN import_follow_rows n ON n.account_id = pf.account_id AND n.tweet_id = pf.tweet_id
 WHERE pf.account_id = $1::bigint
