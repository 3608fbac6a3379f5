-- tweet_analytics_comprehensive, one row per staged post.  A row already there
-- gets the merge of the two (xetl.import_merge_analytics, migration 0160: the
-- API's counters follow last_scraped_at, the export-only ones the as-of of the
-- last import), and is rewritten only when that differs from what it holds.
-- New rows by a plain INSERT, existing ones through ON CONFLICT (see posts.sql).
-- $1 account, $2 as-of, $3 file name, $4 format.
WITH n AS NOT MATERIALIZED (
    SELECT $1::bigint AS account_id, s.decision_id, s.tweet_id, s.posted_at, $2::timestamptz,
           jsonb_build_object('import', jsonb_build_object('as_of', $2::timestamptz, 'file', $3::text,
                                                           'format', $4::text, 'columns', s.extra)),
           s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions, s.media_views,
           s.media_engagements, s.url_clicks, s.hashtag_clicks, s.detail_expands, s.profile_clicks,
           s.impressions_promoted
      FROM import_rows s),
old AS (
    INSERT INTO tweet_analytics_comprehensive AS t (account_id, decision_id, tweet_id, posted_at,
            last_scraped_at, analytics_metadata, likes, retweets, replies, quotes, bookmarks, impressions,
            media_views, media_engagements, url_clicks, hashtag_clicks, detail_expands, user_profile_clicks,
            impressions_promoted)
    SELECT * FROM n
     WHERE EXISTS (SELECT 1 FROM tweet_analytics_comprehensive x
                    WHERE x.account_id = n.account_id AND x.tweet_id = n.tweet_id)
        ON CONFLICT (account_id, tweet_id) DO UPDATE
       SET (posted_at, likes, retweets, replies, quotes, bookmarks, impressions, media_views, media_engagements,
            url_clicks, hashtag_clicks, detail_expands, user_profile_clicks, impressions_promoted,
            analytics_metadata, last_scraped_at)
         = (SELECT (m).posted_at, (m).likes, (m).retweets, (m).replies, (m).quotes, (m).bookmarks,
                   (m).impressions, (m).media_views, (m).media_engagements, (m).url_clicks, (m).hashtag_clicks,
                   (m).detail_expands, (m).user_profile_clicks, (m).impressions_promoted,
                   (m).analytics_metadata, (m).last_scraped_at
              FROM (SELECT xetl.import_merge_analytics(t, excluded) AS m) merged),
           updated_at = excluded.updated_at
     WHERE t IS DISTINCT FROM xetl.import_merge_analytics(t, excluded)
    RETURNING 1),
new AS (
    INSERT INTO tweet_analytics_comprehensive (account_id, decision_id, tweet_id, posted_at,
            last_scraped_at, analytics_metadata, likes, retweets, replies, quotes, bookmarks, impressions,
            media_views, media_engagements, url_clicks, hashtag_clicks, detail_expands, user_profile_clicks,
            impressions_promoted)
    SELECT * FROM n
     WHERE NOT EXISTS (SELECT 1 FROM tweet_analytics_comprehensive x
                        WHERE x.account_id = n.account_id AND x.tweet_id = n.tweet_id)
    RETURNING 1)
SELECT (SELECT count(*) FROM old) + (SELECT count(*) FROM new) AS changed
