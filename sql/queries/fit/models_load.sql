-- fit: the account's kept forecasters (migration 0230), the model as hex text.
-- $1 account_id.
SELECT metric, fp, encode(model, 'hex') AS model
  FROM xetl.fit_models
 WHERE account_id = $1
