-- fit: this run's derived columns and analytics_metadata fragment
-- ({"decay": {METRIC: CURVE}}, built once by the client) of each post in range.
CREATE TEMP TABLE fit_out (tweet_id text, kind text, predicted_likes integer,
                           predicted_er float8, half_life_minutes integer, decay_rate float8, longevity float8,
                           ttp_minutes integer, peak_at_epoch float8, meta jsonb) ON COMMIT DROP
