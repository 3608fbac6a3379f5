-- fit: a forecaster trained this run, kept for the next (replaces the last).
-- $1 account_id, $2 metric, $3 fp, $4 the model as hex text.
INSERT INTO xetl.fit_models AS m (account_id, metric, fp, model)
VALUES ($1, $2, $3, decode($4, 'hex'))
    ON CONFLICT (account_id, metric) DO UPDATE SET fp = EXCLUDED.fp, model = EXCLUDED.model
