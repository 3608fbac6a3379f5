-- tweet_analytics_comprehensive, one row per staged post.  The API's counters
-- (likes ... impressions) follow last_scraped_at, so an older export never
-- overwrites a newer pull; the export-only counters follow the as-of of the
-- last import (analytics_metadata->'import'->>'as_of').  A row is rewritten
-- only when the merged values differ from what it holds; the SET list and the
-- WHERE test spell the same merged expressions.
-- $1 account, $2 as-of, $3 file name, $4 format.
INSERT INTO tweet_analytics_comprehensive AS t (account_id, decision_id, tweet_id, posted_at,
    last_scraped_at, analytics_metadata, likes, retweets, replies, quotes, bookmarks, impressions,
        media_views, media_engagements, url_clicks, hashtag_clicks, detail_expands, user_profile_clicks,
        impressions_promoted)
SELECT $1::bigint, s.decision_id, s.tweet_id, s.posted_at, $2::timestamptz,
       jsonb_build_object('import', jsonb_build_object('as_of', $2::timestamptz, 'file', $3::text,
                                                       'format', $4::text, 'columns', s.extra)),
       s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions, s.media_views,
           s.media_engagements, s.url_clicks, s.hashtag_clicks, s.detail_expands, s.profile_clicks,
           s.impressions_promoted
  FROM import_rows s
    ON CONFLICT (account_id, tweet_id) DO UPDATE
   SET (posted_at, likes, retweets, replies, quotes, bookmarks, impressions, media_views,
       media_engagements, url_clicks, hashtag_clicks, detail_expands, user_profile_clicks,
       impressions_promoted,
        analytics_metadata, last_scraped_at)
     = ROW(coalesce(t.posted_at, excluded.posted_at),
           CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
                THEN coalesce(excluded.likes, t.likes) ELSE t.likes END,
           CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
                THEN coalesce(excluded.retweets, t.retweets) ELSE t.retweets END,
           CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
                THEN coalesce(excluded.replies, t.replies) ELSE t.replies END,
           CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
                THEN coalesce(excluded.quotes, t.quotes) ELSE t.quotes END,
           CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
                THEN coalesce(excluded.bookmarks, t.bookmarks) ELSE t.bookmarks END,
           CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
                THEN coalesce(excluded.impressions, t.impressions) ELSE t.impressions END,
           CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
                THEN coalesce(excluded.media_views, t.media_views) ELSE t.media_views END,
           CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
                THEN coalesce(excluded.media_engagements, t.media_engagements) ELSE t.media_engagements END,
           CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
                THEN coalesce(excluded.url_clicks, t.url_clicks) ELSE t.url_clicks END,
           CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
                THEN coalesce(excluded.hashtag_clicks, t.hashtag_clicks) ELSE t.hashtag_clicks END,
           CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
                THEN coalesce(excluded.detail_expands, t.detail_expands) ELSE t.detail_expands END,
           CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
                THEN coalesce(excluded.user_profile_clicks, t.user_profile_clicks) ELSE
                    t.user_profile_clicks END,
           CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
                THEN coalesce(excluded.impressions_promoted, t.impressions_promoted) ELSE
                    t.impressions_promoted END,
           CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
                THEN coalesce(t.analytics_metadata, '{}'::jsonb) || excluded.analytics_metadata
                ELSE t.analytics_metadata END,
           greatest(t.last_scraped_at, excluded.last_scraped_at)),
       updated_at = excluded.updated_at
 WHERE (t.posted_at, t.likes, t.retweets, t.replies, t.quotes, t.bookmarks, t.impressions,
     t.media_views, t.media_engagements, t.url_clicks, t.hashtag_clicks, t.detail_expands,
     t.user_profile_clicks, t.impressions_promoted, t.analytics_metadata, t.last_scraped_at)
       IS DISTINCT FROM
       (coalesce(t.posted_at, excluded.posted_at),
        CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
             THEN coalesce(excluded.likes, t.likes) ELSE t.likes END,
        CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
             THEN coalesce(excluded.retweets, t.retweets) ELSE t.retweets END,
        CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
             THEN coalesce(excluded.replies, t.replies) ELSE t.replies END,
        CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
             THEN coalesce(excluded.quotes, t.quotes) ELSE t.quotes END,
        CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
             THEN coalesce(excluded.bookmarks, t.bookmarks) ELSE t.bookmarks END,
        CASE WHEN t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at
             THEN coalesce(excluded.impressions, t.impressions) ELSE t.impressions END,
        CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
             THEN coalesce(excluded.media_views, t.media_views) ELSE t.media_views END,
        CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
             THEN coalesce(excluded.media_engagements, t.media_engagements) ELSE t.media_engagements END,
        CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
             THEN coalesce(excluded.url_clicks, t.url_clicks) ELSE t.url_clicks END,
        CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
             THEN coalesce(excluded.hashtag_clicks, t.hashtag_clicks) ELSE t.hashtag_clicks END,
        CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
             THEN coalesce(excluded.detail_expands, t.detail_expands) ELSE t.detail_expands END,
        CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
             THEN coalesce(excluded.user_profile_clicks, t.user_profile_clicks) ELSE
                 t.user_profile_clicks END,
        CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
             THEN coalesce(excluded.impressions_promoted, t.impressions_promoted) ELSE
                 t.impressions_promoted END,
        CASE WHEN t.analytics_metadata->'import'->>'as_of' IS NULL
                 OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at
             THEN coalesce(t.analytics_metadata, '{}'::jsonb) || excluded.analytics_metadata
             ELSE t.analytics_metadata END,
        greatest(t.last_scraped_at, excluded.last_scraped_at))
RETURNING 1
