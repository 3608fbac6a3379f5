-- 0220 bot tweet indexes: the bot's rows found by tweet id, not by a scan.
-- Pull and health used to join the whole bot table to xetl.posts for every
-- account (O(total rows) per account, O(N^2) a night: docs/scaling.md, "The
-- agency benchmark").  They now start from the account's own xetl.posts rows
-- and look the bot's rows up by tweet id through xetl.bot_posts and
-- xetl.bot_content, which needs an index on the expression those views join
-- on: content_metadata's tweet_id (the standalone shape), posted_decisions'
-- tweet_id and the decision id it points at (the adopted shapes).
--
-- content_metadata and posted_decisions are the bot's tables, adopted, not
-- owned: like the GIN index of 0001, an index is only added (never a column
-- or a constraint changed), under an xetl_ name, and only when no index of
-- the table already starts with that expression.  Building it locks the
-- bot's writes to the table for the build (seconds at millions of rows).
DO $idx$
DECLARE
    pd boolean := to_regclass(format('%I.posted_decisions', current_schema())) IS NOT NULL;
    has_tid boolean := xetl.col_or_null('cm', 'content_metadata', 'tweet_id', 'text') LIKE 'cm.%';
    id_col text := CASE WHEN xetl.col_or_null('cm', 'content_metadata', 'decision_id', 'text') LIKE 'cm.%'
                        THEN 'decision_id' ELSE 'id' END;
    want record;
BEGIN
    FOR want IN
        SELECT * FROM (VALUES ('content_metadata', 'tweet_id', 'xetl_content_metadata_tweet_idx', has_tid),
                              ('posted_decisions', 'tweet_id', 'xetl_posted_decisions_tweet_idx', pd AND NOT has_tid),
                              ('content_metadata', id_col, 'xetl_content_metadata_ref_idx', pd AND NOT has_tid))
                      v(tbl, col, name, wanted)
         WHERE wanted
    LOOP
        -- The views compare col::text; for a text column that is the column itself.
        IF NOT EXISTS (SELECT 1 FROM pg_index i
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                        WHERE i.indrelid = format('%I.%I', current_schema(), want.tbl)::regclass
                          AND a.attname = want.col AND a.atttypid = 'text'::regtype)
           AND NOT EXISTS (SELECT 1 FROM pg_indexes
                            WHERE schemaname = current_schema() AND indexname = want.name) THEN
            EXECUTE format('CREATE INDEX %I ON %I ((%I::text))', want.name, want.tbl, want.col);
        END IF;
    END LOOP;
END
$idx$;
