-- The migrations ledger, created in the transaction of the first migration
-- applied to a database.  No parameters (run as a script).
CREATE SCHEMA IF NOT EXISTS xetl;
CREATE TABLE IF NOT EXISTS xetl.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    xetl_version text NOT NULL)
