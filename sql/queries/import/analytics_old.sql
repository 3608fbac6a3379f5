-- The existing tweet_analytics_comprehensive rows the import changes
-- (import_have.differs), copied into import_aold, so their merge
-- (analytics_merged) is computed from temporary tables only: on Citus a
-- statement over the account's table runs on its worker, where xetl's merge
-- function is not.  $1 account.
INSERT INTO import_aold
SELECT t.* FROM tweet_analytics_comprehensive t
  JOIN import_have h ON h.target = 'analytics' AND h.tweet_id = t.tweet_id AND h.differs
 WHERE t.account_id = $1::bigint
