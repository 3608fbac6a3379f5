-- The decision ids of staged posts the account already has (and whether the
-- bot made them).  $1 the importing account.
INSERT INTO import_dec (tweet_id, decision_id, bot)
SELECT p.tweet_id, p.decision_id, p.origin = 'bot'
  FROM xetl.posts p JOIN import_stage s ON s.tweet_id = p.tweet_id
 WHERE p.account_id = $1::bigint AND s.reason IS NULL
