-- fit: this run's forecasts for this as-of replace any earlier run's for the
-- same posts: a forecast this run did not make (another range pooled the post
-- with other posts) must not stay beside the ones it did.  Uncorrelated
-- subqueries: Citus runs them first, then the DELETE on the account's shard.
-- $1 account_id, $2 as-of.
DELETE FROM xetl.predictions x
 WHERE x.account_id = $1 AND x.as_of = $2::timestamptz
   AND x.tweet_id IN (SELECT o.tweet_id FROM fit_out o)
   AND (x.tweet_id, x.metric) NOT IN (SELECT f.tweet_id, f.metric FROM fit_pred f)
