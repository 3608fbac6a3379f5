-- fit: this run's 7-day forecasts (made before the horizon) of the posts in range.
CREATE TEMP TABLE fit_pred (tweet_id text, metric text, age_hours float8, n_points integer,
                            method text, predicted float8, lo float8, hi float8) ON COMMIT DROP
