-- 0250 import_merge_by_update: import's existing rows are merged by a plain
-- UPDATE … FROM the staged rows, of only the rows whose values differ
-- (sql/queries/import/have_*.sql, *_merge.sql), instead of INSERT … ON
-- CONFLICT DO UPDATE … WHERE, which locks (and WAL-logs the lock of) every
-- existing row even when it writes nothing: a re-import of an unchanged file
-- wrote nothing but paid for every row.
--
-- The UPDATE has the staged row of the view import_analytics_rows, not a
-- table row as ON CONFLICT's EXCLUDED was: this takes it as any record with
-- the columns import writes and hands it to 0160's merge (the one definition)
-- as a table row, t's values standing in for the columns import does not
-- write (the merge reads none of them).  Called only for rows that differ.
CREATE FUNCTION xetl.import_merge_analytics(t tweet_analytics_comprehensive, e record)
RETURNS tweet_analytics_comprehensive
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    RETURN xetl.import_merge_analytics(t, jsonb_populate_record(t, to_jsonb(e)));
END
$fn$;
