-- The staged posts the account already has in tweet_analytics_comprehensive.  $1 account.
INSERT INTO import_have (target, tweet_id)
SELECT 'analytics', p.tweet_id FROM tweet_analytics_comprehensive p JOIN import_stage s ON s.tweet_id = p.tweet_id
 WHERE p.account_id = $1::bigint AND s.reason IS NULL
