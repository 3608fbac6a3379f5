-- 0230 fit_models: each account's trained forecaster per metric (what the
-- nested cross-validation chose: every anchor's choice and its boosted
-- trees), kept so that a run whose training set is the one the model was
-- trained on does not train it again.  fp is a hash of exactly that training
-- set (the account's matured reference posts with their Lomax forecasts, the
-- global set, its scale, the coverage) and of the training code's version:
-- a row is used only when training would give the same model to the last
-- bit.  model is stats/forecast_prep.c's packing (native byte order).  One
-- row per account and metric, replaced when the training set changes; kept
-- by fit alone.
CREATE TABLE IF NOT EXISTS xetl.fit_models (
    account_id bigint NOT NULL,
    metric text NOT NULL,
    fp bigint NOT NULL,
    model bytea NOT NULL,
    PRIMARY KEY (account_id, metric)
);
