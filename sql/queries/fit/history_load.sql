-- fit: the stored history fits of the account (see migration 0180), in no
-- order (the client finds each row's post and metric).
-- $1 account_id.
SELECT tweet_id, metric, fp, method, n_points, c_h, theta, rms, half_life_h, t90_h
  FROM xetl.fit_history
 WHERE account_id = $1
