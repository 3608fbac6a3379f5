-- The account's existing platform follows: the export with the latest as-of
-- wins; unchanged rows are not rewritten.  No parameters.
INSERT INTO xetl.platform_follows AS pf (tweet_id, account_id, follows, as_of, source_file)
SELECT n.* FROM import_follow_rows n JOIN import_have h ON h.target = 'follows' AND h.tweet_id = n.tweet_id
    ON CONFLICT (account_id, tweet_id) DO UPDATE
   SET follows = excluded.follows, as_of = excluded.as_of, source_file = excluded.source_file
 WHERE pf.as_of <= excluded.as_of
   AND (pf.follows, pf.as_of, pf.source_file) IS DISTINCT FROM (excluded.follows, excluded.as_of, excluded.source_file)
RETURNING 1
