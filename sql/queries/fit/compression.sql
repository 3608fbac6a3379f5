-- fit: this transaction's new toasted values (fit_out's ~3 KB of decay jsonb
-- each, the rewritten analytics_metadata where the column has no compression
-- of its own) compressed with lz4, several times cheaper than pglz; a server
-- without lz4 keeps its default.  No parameters.
DO $$
BEGIN
    SET LOCAL default_toast_compression = 'lz4';
EXCEPTION WHEN OTHERS THEN
    NULL;
END
$$
