-- 0181 predictions_no_fk: fit writes its predictions (five per post and
-- night) with the account it is fitting, taken from xetl.accounts, and no
-- account is ever deleted, so the foreign key to xetl.accounts checked
-- nothing while costing a lookup per inserted row.
ALTER TABLE xetl.predictions DROP CONSTRAINT IF EXISTS predictions_account_id_fkey;
