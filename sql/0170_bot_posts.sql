-- 0170 bot_posts: the bot's posted tweets in one shape, for the pull stage,
-- whatever shape of content_metadata (and posted_decisions) this database
-- adopted (docs/schema.md, "Adopting an existing bot database").  Built here
-- once from the catalog, like xetl.bot_content (0131), so pull reads a view
-- instead of probing the catalog on every run.
--
-- One row per posted tweet: from content_metadata's own tweet_id when the
-- shape has one (xetl's standalone shape), else one per posted_decisions row
-- joined to its decision (a decision may have become several tweets), else
-- none.  decision_ref is the decision id as text (the uuid shapes'
-- decision_id, the text-id shape's id); decision_type, posted_at and the
-- reply target come from posted_decisions when it has the column (it records
-- what was actually posted), else from content_metadata, else NULL.
DO $view$
DECLARE
    has_tid boolean := xetl.col_or_null('cm', 'content_metadata', 'tweet_id', 'text') LIKE 'cm.%';
    pd boolean := to_regclass(format('%I.posted_decisions', current_schema())) IS NOT NULL;
    id_col text;
    src text;
    cols text := '';
    c record;
BEGIN
    id_col := CASE WHEN xetl.col_or_null('cm', 'content_metadata', 'decision_id', 'text') LIKE 'cm.%'
                   THEN 'decision_id' ELSE 'id' END;
    pd := pd AND NOT has_tid; -- the standalone shape records the tweet id itself
    FOR c IN SELECT * FROM (VALUES (1, 'decision_type', 'text'), (2, 'posted_at', 'timestamptz'),
                                   (3, 'target_tweet_id', 'text'), (4, 'target_username', 'text')) v(n, col, typ)
              ORDER BY n LOOP
        cols := cols || CASE WHEN pd
                             THEN format('coalesce(%s, %s)',
                                         xetl.col_or_null('pd', 'posted_decisions', c.col, c.typ),
                                         xetl.col_or_null('cm', 'content_metadata', c.col, c.typ))
                             ELSE xetl.col_or_null('cm', 'content_metadata', c.col, c.typ) END
                     || format(' AS %I, ', c.col);
    END LOOP;
    IF pd THEN
        src := format('pd.tweet_id::text AS tweet_id, cm.%1$I::text AS decision_ref, %2$s%3$s AS generation_metadata'
                      ' FROM posted_decisions pd JOIN content_metadata cm ON cm.%1$I::text = pd.decision_id::text',
                      id_col, cols, xetl.col_or_null('cm', 'content_metadata', 'generation_metadata', 'jsonb'));
    ELSE
        src := format('%1$s AS tweet_id, cm.%2$I::text AS decision_ref, %3$s%4$s AS generation_metadata'
                      ' FROM content_metadata cm WHERE %5$s',
                      CASE WHEN has_tid THEN 'cm.tweet_id::text' ELSE 'NULL::text' END, id_col, cols,
                      xetl.col_or_null('cm', 'content_metadata', 'generation_metadata', 'jsonb'),
                      CASE WHEN has_tid THEN 'cm.tweet_id IS NOT NULL' ELSE 'false' END);
    END IF;
    EXECUTE 'CREATE VIEW xetl.bot_posts AS SELECT ' || src;
END
$view$;
