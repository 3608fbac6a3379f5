-- The file's rejects into xetl.import_rejects (a file imported again adds none).
-- $1 account, $2 run (NULL when none), $3 file name, $4 file SHA-256.
INSERT INTO xetl.import_rejects (account_id, run_id, file_name, file_sha256, line, raw, reason)
SELECT $1::bigint, $2::bigint, $3, $4, line, raw, reason FROM import_rej
    ON CONFLICT (account_id, file_sha256, line) DO NOTHING
