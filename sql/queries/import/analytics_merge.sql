-- The account's existing tweet_analytics_comprehensive rows get the merge of
-- the two (xetl.import_merge_analytics, migration 0160: the API's counters
-- follow last_scraped_at, the export-only ones the as-of of the last import),
-- rewritten only when that differs from what the row holds.  No parameters.
INSERT INTO tweet_analytics_comprehensive AS t (account_id, decision_id, tweet_id, posted_at, last_scraped_at,
        analytics_metadata, likes, retweets, replies, quotes, bookmarks, impressions, media_views,
        media_engagements, url_clicks, hashtag_clicks, detail_expands, user_profile_clicks, impressions_promoted)
SELECT n.* FROM import_analytics_rows n JOIN import_have h ON h.target = 'analytics' AND h.tweet_id = n.tweet_id
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
RETURNING 1
