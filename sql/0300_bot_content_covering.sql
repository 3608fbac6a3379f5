-- 0300 bot_content_covering: health's read of the bot's posted and failed
-- content (health/content.sql) probes content_metadata by tweet id once per
-- post of the account's 90 days, for a status and an outcome time, and used
-- to read one heap page of the bot's table per post.  On the 1,000-account
-- benchmark database (4.5 M bot rows, 1.4 GB, with the rest larger than
-- memory) that was about 900 scattered pages per account a night, 260 ms;
-- see docs/scaling.md, "The bot's content read from its index".
--
-- In the standalone shape (content_metadata holds the tweet id, no
-- posted_decisions) the tweet-id index of 0220 is rebuilt to carry the
-- columns xetl.bot_content's status and outcome_at come from, so that read is
-- an index-only scan.  The key is the same, so every lookup by tweet id 0220
-- served still uses it.  As 0220: an index on the bot's table is only added
-- or replaced under an xetl_ name, never a bot's own; the other shapes, and a
-- database where the bot already indexed tweet_id itself, are left as they
-- are.  The build locks the bot's writes to the table for its duration
-- (seconds at millions of rows).
DO $idx$
DECLARE
    cols text;
BEGIN
    IF to_regclass(format('%I.posted_decisions', current_schema())) IS NOT NULL
       OR xetl.col_or_null('cm', 'content_metadata', 'tweet_id', 'text') NOT LIKE 'cm.%'
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
    EXECUTE format('CREATE INDEX xetl_content_metadata_tweet_cov_idx ON content_metadata ((tweet_id::text)) INCLUDE (%s)',
                   cols);
    DROP INDEX xetl_content_metadata_tweet_idx;
END
$idx$;
