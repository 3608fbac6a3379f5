-- fit: this run's forecasts (fit_pred) as xetl.predictions rows, unscored.
-- $1 account_id, $2 as-of.
INSERT INTO xetl.predictions AS x (tweet_id, metric, as_of, account_id, age_hours, n_points,
       method, predicted_7d, lo_7d, hi_7d)
SELECT tweet_id, metric, $2::timestamptz, $1, age_hours, n_points, method, predicted, lo, hi
  FROM fit_pred
    ON CONFLICT (account_id, tweet_id, metric, as_of) DO UPDATE SET
       age_hours = EXCLUDED.age_hours,
       n_points = EXCLUDED.n_points, method = EXCLUDED.method,
       predicted_7d = EXCLUDED.predicted_7d, lo_7d = EXCLUDED.lo_7d, hi_7d = EXCLUDED.hi_7d,
       actual_7d = NULL, ape = NULL, log_ratio = NULL
RETURNING 1
