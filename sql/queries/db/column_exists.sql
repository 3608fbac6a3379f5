-- Whether a table ($1, schema-qualified or on the search path) has a live column $2.
SELECT EXISTS (SELECT 1 FROM pg_attribute
                WHERE attrelid = to_regclass($1) AND attname = $2
                  AND attnum > 0 AND NOT attisdropped)
