-- 0260 metadata_lz4: fit rewrites every range post's analytics_metadata (and a
-- reply's reply_metadata) each night, about 3 KB of jsonb that the old value's
-- decompression and the new one's compression dominate; lz4 does both several
-- times cheaper than the default pglz (measured, docs/scaling.md "Fit").  The
-- stored values are the same: a column's compression is how it is kept, not
-- what it is, and values written before stay readable as they are.  A server
-- built without lz4 (or one that refuses the ALTER, such as a Citus version
-- that does not propagate it) keeps pglz.
DO $$
BEGIN
    ALTER TABLE tweet_analytics_comprehensive ALTER COLUMN analytics_metadata SET COMPRESSION lz4;
    ALTER TABLE reply_performance ALTER COLUMN reply_metadata SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'metadata_lz4: lz4 compression not available here (%); keeping pglz', SQLERRM;
END
$$;
