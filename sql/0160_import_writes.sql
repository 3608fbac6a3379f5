-- 0160 import_writes: what import needs to write without probing the catalog,
-- and two indexes no statement uses, which every import paid for per row.
--
-- xetl.bot_decisions: each tweet the bot's tables tie to a decision, with the
-- decision's uuid, built here once over whatever shape this database adopted
-- (as 0131 built xetl.bot_content for reading).  pref 1: the bot's own record
-- (content_metadata with both tweet_id and a uuid decision_id); pref 2:
-- posted_decisions, every tweet of a decision (a thread's too, where
-- bot_content keeps one), when its decision id is a uuid.  A shape with
-- neither gives no rows.
DO $view$
DECLARE
    cm_has boolean := xetl.col_or_null('cm', 'content_metadata', 'tweet_id', 'text') LIKE 'cm.%'
                      AND xetl.col_or_null('cm', 'content_metadata', 'decision_id', 'text') LIKE 'cm.%';
    pd boolean := to_regclass(format('%I.posted_decisions', current_schema())) IS NOT NULL;
    parts text[] := ARRAY[]::text[];
    uuid_re text := '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$';
BEGIN
    IF cm_has THEN
        parts := parts || format(
            'SELECT cm.tweet_id::text AS tweet_id,'
            '       CASE WHEN cm.decision_id::text ~* %L THEN cm.decision_id::text::uuid END AS decision_id,'
            '       1 AS pref'
            '  FROM content_metadata cm WHERE cm.tweet_id IS NOT NULL', uuid_re);
    END IF;
    IF pd THEN
        parts := parts || format(
            'SELECT pd.tweet_id::text AS tweet_id,'
            '       CASE WHEN pd.decision_id::text ~* %L THEN pd.decision_id::text::uuid END AS decision_id,'
            '       2 AS pref'
            '  FROM posted_decisions pd WHERE pd.tweet_id IS NOT NULL', uuid_re);
    END IF;
    IF cardinality(parts) = 0 THEN
        parts := ARRAY['SELECT NULL::text AS tweet_id, NULL::uuid AS decision_id, 0 AS pref WHERE false'];
    END IF;
    EXECUTE 'CREATE VIEW xetl.bot_decisions AS SELECT tweet_id, decision_id, pref FROM ('
            || array_to_string(parts, ' UNION ALL ') || ') b WHERE decision_id IS NOT NULL';
END
$view$;

-- posts_decision_idx (decision_id alone, a random uuid): no statement looks a
-- post up by its decision id without its account (health reads an account's
-- posts by account_id and sorts them; attribution, learn and the reports join
-- on (account_id, tweet_id)), and a random key costs a random index page per
-- row written.
DROP INDEX IF EXISTS xetl.posts_decision_idx;

-- platform_follows_account_idx (account_id): the primary key (account_id,
-- tweet_id) already serves every lookup by account.
DROP INDEX IF EXISTS xetl.platform_follows_account_idx;

-- posts_tweet_id_check: the same rule (1 to 20 digits) without the regular
-- expression engine, which an import of 200k posts paid about a second for.
ALTER TABLE xetl.posts DROP CONSTRAINT IF EXISTS posts_tweet_id_check;
ALTER TABLE xetl.posts ADD CONSTRAINT posts_tweet_id_digits
    CHECK (tweet_id <> '' AND length(tweet_id) <= 20 AND ltrim(tweet_id, '0123456789') = '');

-- The per-row foreign keys of the two tables an import writes a row per post
-- to (xetl.posts, xetl.platform_follows → xetl.accounts): each row paid a
-- lookup of its account (about 15 µs, most of the cost of writing the row),
-- to guard an invariant that holds by construction: every writer takes the
-- account id from its xetl.accounts row, and accounts are never deleted (xetl
-- has no statement that deletes one).  What the keys also did, refuse the
-- deletion of an account that still has posts, a statement-level trigger
-- does now, once per statement instead of once per row.
ALTER TABLE xetl.posts DROP CONSTRAINT IF EXISTS posts_account_id_fkey;
ALTER TABLE xetl.platform_follows DROP CONSTRAINT IF EXISTS platform_follows_account_id_fkey;
CREATE FUNCTION xetl.refuse_account_delete() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM old_accounts o
                WHERE EXISTS (SELECT 1 FROM xetl.posts p WHERE p.account_id = o.account_id)
                   OR EXISTS (SELECT 1 FROM xetl.platform_follows f WHERE f.account_id = o.account_id)) THEN
        RAISE EXCEPTION 'an account with posts cannot be deleted (xetl.posts still has its rows)'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$fn$;
-- Citus refuses to make a table with triggers a reference table (xetl.accounts
-- is one there, docs/scaling.md): on Citus the guard is left out, and only the
-- invariant above (accounts are never deleted) holds.
DO $trg$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        CREATE TRIGGER accounts_keep_posts AFTER DELETE ON xetl.accounts
            REFERENCING OLD TABLE AS old_accounts FOR EACH STATEMENT
            EXECUTE FUNCTION xetl.refuse_account_delete();
    END IF;
END
$trg$;

-- An import's row merged into the tweet_analytics_comprehensive row it meets
-- (sql/queries/import/tweet_analytics.sql): t with every column import writes
-- replaced by the merged value, so the upsert's SET and its "anything
-- changed" test use one definition.  The API's counters follow
-- last_scraped_at (an older export never overwrites a newer pull); the
-- export-only counters and the import metadata follow the as-of of the last
-- import (analytics_metadata->'import'->>'as_of').
CREATE FUNCTION xetl.import_merge_analytics(t tweet_analytics_comprehensive, e tweet_analytics_comprehensive)
RETURNS tweet_analytics_comprehensive
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
    api boolean := t.last_scraped_at IS NULL OR t.last_scraped_at <= e.last_scraped_at;
    imp boolean := t.analytics_metadata->'import'->>'as_of' IS NULL
                   OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= e.last_scraped_at;
BEGIN
    t.posted_at := coalesce(t.posted_at, e.posted_at);
    IF api THEN
        t.likes := coalesce(e.likes, t.likes);
        t.retweets := coalesce(e.retweets, t.retweets);
        t.replies := coalesce(e.replies, t.replies);
        t.quotes := coalesce(e.quotes, t.quotes);
        t.bookmarks := coalesce(e.bookmarks, t.bookmarks);
        t.impressions := coalesce(e.impressions, t.impressions);
    END IF;
    IF imp THEN
        t.media_views := coalesce(e.media_views, t.media_views);
        t.media_engagements := coalesce(e.media_engagements, t.media_engagements);
        t.url_clicks := coalesce(e.url_clicks, t.url_clicks);
        t.hashtag_clicks := coalesce(e.hashtag_clicks, t.hashtag_clicks);
        t.detail_expands := coalesce(e.detail_expands, t.detail_expands);
        t.user_profile_clicks := coalesce(e.user_profile_clicks, t.user_profile_clicks);
        t.impressions_promoted := coalesce(e.impressions_promoted, t.impressions_promoted);
        t.analytics_metadata := coalesce(t.analytics_metadata, '{}'::jsonb) || e.analytics_metadata;
    END IF;
    t.last_scraped_at := greatest(t.last_scraped_at, e.last_scraped_at);
    RETURN t;
END
$fn$;
