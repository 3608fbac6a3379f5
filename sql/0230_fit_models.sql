-- 0230 fit_models: each account's trained forecaster per metric (its
-- reference rows, what the nested cross-validation chose at every anchor and
-- the boosted trees), kept so that a run whose inputs are the ones the model
-- was made of neither fits the reference posts nor trains again.  fp is a
-- hash of exactly those inputs (the reference posts' samples and 7-day
-- values, the prior they are fitted with, the global set) and of the code's
-- versions: a row is used only when the model would come out the same to the
-- last bit.  model is etl/fit_forecast.c's packing (native byte order).  One
-- row per account and metric, replaced when the inputs change; kept by fit
-- alone.
CREATE TABLE IF NOT EXISTS xetl.fit_models (
    account_id bigint NOT NULL,
    metric text NOT NULL,
    fp bigint NOT NULL,
    model bytea NOT NULL,
    PRIMARY KEY (account_id, metric)
);
