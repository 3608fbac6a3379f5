-- 0250 import_merge_by_update: import's existing rows are merged by a plain
-- UPDATE … FROM the staged rows, of only the rows whose values differ
-- (sql/queries/import/have_*.sql, *_merge.sql), instead of INSERT … ON
-- CONFLICT DO UPDATE … WHERE, which locks (and WAL-logs the lock of) every
-- existing row even when it writes nothing: a re-import of an unchanged file
-- wrote nothing but paid for every row.
--
-- The UPDATE has the staged row of the view import_analytics_rows, not a
-- table row as ON CONFLICT's EXCLUDED was, and on Citus the stored row is a
-- shard's row type: these take both as any record with the table's columns
-- and hand them to 0160's merge (the one definition) as table rows, the
-- stored row's values standing in for the columns import does not write (the
-- merge reads none of them).  Called only for rows that may differ.
CREATE FUNCTION xetl.import_merge_analytics(t record, e record)
RETURNS tweet_analytics_comprehensive
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
    r tweet_analytics_comprehensive := jsonb_populate_record(NULL::tweet_analytics_comprehensive, to_jsonb(t));
BEGIN
    RETURN xetl.import_merge_analytics(r, jsonb_populate_record(r, to_jsonb(e)));
END
$fn$;

-- Whether that merge changes the stored row t.
CREATE FUNCTION xetl.import_merge_analytics_differs(t record, e record)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    RETURN jsonb_populate_record(NULL::tweet_analytics_comprehensive, to_jsonb(t))
           IS DISTINCT FROM xetl.import_merge_analytics(t, e);
END
$fn$;
