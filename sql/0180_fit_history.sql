-- 0180 fit_history: what fit keeps of each history post's fit, so that the
-- account prior is rebuilt from stored fits instead of refitting 90 days of
-- history every night.  A row is one post's metric fitted with the built-in
-- prior (which depends on nothing but the post's own samples); fp is a hash
-- of exactly those samples, the horizon and the model's version, so a row is
-- used only when the fit would come out the same to the last bit.  Kept by
-- fit alone; rows of posts older than the history window are pruned.
CREATE TABLE IF NOT EXISTS xetl.fit_history (
    account_id bigint NOT NULL,
    tweet_id text NOT NULL,
    metric text NOT NULL,
    posted_at timestamptz NOT NULL,
    fp bigint NOT NULL,
    method smallint NOT NULL,
    n_points integer NOT NULL,
    c_h double precision,
    theta double precision,
    rms double precision,
    half_life_h double precision,
    t90_h double precision,
    PRIMARY KEY (account_id, tweet_id, metric)
);
