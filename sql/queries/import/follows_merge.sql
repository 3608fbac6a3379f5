-- The account's existing platform follows that a later export changes
-- (import_have.differs) are rewritten (see posts_merge).  $1 account.
UPDATE xetl.platform_follows pf
   SET follows = n.follows, as_of = n.as_of, source_file = n.source_file
  FROM import_follow_rows n JOIN import_have h ON h.target = 'follows' AND h.tweet_id = n.tweet_id AND h.differs
 WHERE pf.account_id = $1::bigint AND pf.account_id = n.account_id AND pf.tweet_id = n.tweet_id
