-- The file's own values, read by the import_*_rows views (stage_tables).
-- $1 account, $2 as-of, $3 file name, $4 format.
INSERT INTO import_file VALUES ($1::bigint, $2::timestamptz, $3::text, $4::text)
