-- fit: the history fits this run made (not found stored), loaded by COPY.
CREATE TEMP TABLE fit_hist (tweet_id text, metric text, posted_at timestamptz, fp bigint, method smallint,
                            n_points integer, c_h float8, theta float8, rms float8, half_life_h float8,
                            t90_h float8) ON COMMIT DROP
