-- The staging views, dropped before the file's transaction commits (its
-- tables go ON COMMIT DROP; a temporary view would outlive them).
DROP VIEW import_rows, import_rej;
