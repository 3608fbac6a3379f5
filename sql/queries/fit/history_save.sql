-- fit: the history fits this run made, kept for the next run.  $1 account_id.
INSERT INTO xetl.fit_history AS h (account_id, tweet_id, metric, posted_at, fp, method, n_points, c_h, theta,
                                   rms, half_life_h, t90_h)
SELECT $1, tweet_id, metric, posted_at, fp, method, n_points, c_h, theta, rms, half_life_h, t90_h
  FROM fit_hist
    ON CONFLICT (account_id, tweet_id, metric) DO UPDATE SET
       posted_at = EXCLUDED.posted_at, fp = EXCLUDED.fp, method = EXCLUDED.method,
       n_points = EXCLUDED.n_points, c_h = EXCLUDED.c_h, theta = EXCLUDED.theta, rms = EXCLUDED.rms,
       half_life_h = EXCLUDED.half_life_h, t90_h = EXCLUDED.t90_h
