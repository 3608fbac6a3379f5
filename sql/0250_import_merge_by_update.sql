-- 0250 import_merge_by_update: import's existing rows are merged by a plain
-- UPDATE … FROM the staged rows, of only the rows whose values differ
-- (sql/queries/import/*_merge.sql), instead of INSERT … ON CONFLICT DO UPDATE
-- … WHERE, which locks (and WAL-logs the lock of) every existing row even when
-- it writes nothing: a re-import of an unchanged file wrote nothing but paid
-- for every row.
--
-- The merge of an import's analytics row into the one it meets is the same
-- as 0160's, but takes the staged row as any record with the columns import
-- writes (the UPDATE has the view's row, not a table row as ON CONFLICT's
-- EXCLUDED was).  0160's typed version goes: nothing else calls it.
DROP FUNCTION xetl.import_merge_analytics(tweet_analytics_comprehensive, tweet_analytics_comprehensive);
CREATE FUNCTION xetl.import_merge_analytics(t tweet_analytics_comprehensive, e record)
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
