-- 0300 bot_content_covering: health's read of the bot's posted and failed
-- content (health/content.sql) probes content_metadata by tweet id once per
-- post of the account's 90 days, for a status and an outcome time, and read
-- one heap page of the bot's table per post.  In a 700-account night of the
-- 1,000-account benchmark database (4.5 M bot rows, 1.4 GB of heap, with the
-- rest larger than memory) it was the costliest statement: 147 s, about
-- 210 ms an account; see docs/scaling.md, "700 accounts in one run".
--
-- In the standalone shape (content_metadata holds a text tweet id, no
-- posted_decisions) the tweet-id index of 0220 is rebuilt to carry the
-- columns xetl.bot_content's status and outcome_at come from, so that read is
-- an index-only scan of 369 MB instead of the heap.  The key is the same, so
-- every lookup by tweet id 0220 served still uses it.  As 0220: an index on
-- the bot's table is only added or replaced under an xetl_ name, never a
-- bot's own; the other shapes, and a database where the bot indexed tweet_id
-- itself, are left as they are.
--
-- What it costs the bot: an update of its row that changes one of these
-- columns (a post's status and times) is no longer heap-only, so it adds an
-- entry to each of the table's indexes; the bot writes a row a few times in
-- its life.  Index-only reads need the table's visibility map, which
-- autovacuum keeps (the table is mostly inserted to).  The build locks the
-- bot's writes to the table for its duration (about half a minute for 4.5 M
-- rows on the benchmark machine, read cold).
DO $idx$
DECLARE
    cols text;
BEGIN
    IF to_regclass(format('%I.posted_decisions', current_schema())) IS NOT NULL
       OR NOT EXISTS (SELECT 1 FROM information_schema.columns
                       WHERE table_schema = current_schema() AND table_name = 'content_metadata'
                         AND column_name = 'tweet_id' AND data_type = 'text')
       OR NOT EXISTS (SELECT 1 FROM pg_indexes
                       WHERE schemaname = current_schema() AND indexname = 'xetl_content_metadata_tweet_idx') THEN
        RETURN;
    END IF;
    SELECT string_agg(quote_ident(c.column_name), ', ' ORDER BY c.ordinal_position) INTO cols
      FROM information_schema.columns c
     WHERE c.table_schema = current_schema() AND c.table_name = 'content_metadata'
       AND c.column_name IN ('status', 'posted_at', 'updated_at', 'scheduled_at', 'created_at');
    IF cols IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX IF NOT EXISTS xetl_content_metadata_tweet_cov_idx ON content_metadata ((tweet_id::text)) '
                   'INCLUDE (%s)', cols);
    DROP INDEX xetl_content_metadata_tweet_idx;
END
$idx$;
