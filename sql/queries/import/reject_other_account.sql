-- Rows for posts another account already has are rejected naming that account.
-- $1 the importing account.
UPDATE import_stage s
   SET reason = 'post belongs to another account ''' || a.handle || ''''
  FROM xetl.posts p JOIN xetl.accounts a ON a.account_id = p.account_id
 WHERE s.reason IS NULL AND p.tweet_id = s.tweet_id AND p.account_id <> $1::bigint
