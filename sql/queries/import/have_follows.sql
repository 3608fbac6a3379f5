-- The staged posts the account already has in xetl.platform_follows.  $1 account.
INSERT INTO import_have (target, tweet_id)
SELECT 'follows', p.tweet_id FROM xetl.platform_follows p JOIN import_stage s ON s.tweet_id = p.tweet_id
 WHERE p.account_id = $1::bigint AND s.reason IS NULL
