-- The account's existing tweet_analytics_comprehensive rows get the merge of
-- the two (xetl.import_merge_analytics, migration 0250: the API's counters
-- follow last_scraped_at, the export-only ones the as-of of the last import),
-- written only where that differs from what the row holds (see posts_merge).
-- A staged row equal to the stored one (same values, same import metadata,
-- no newer scrape) merges to the stored row, so only the others pay for the
-- merge function (a re-import of an unchanged file calls it for none).
-- $1 account.
UPDATE tweet_analytics_comprehensive t
   SET (posted_at, likes, retweets, replies, quotes, bookmarks, impressions, media_views, media_engagements,
        url_clicks, hashtag_clicks, detail_expands, user_profile_clicks, impressions_promoted,
        analytics_metadata, last_scraped_at)
     = (SELECT (m).posted_at, (m).likes, (m).retweets, (m).replies, (m).quotes, (m).bookmarks,
               (m).impressions, (m).media_views, (m).media_engagements, (m).url_clicks, (m).hashtag_clicks,
               (m).detail_expands, (m).user_profile_clicks, (m).impressions_promoted,
               (m).analytics_metadata, (m).last_scraped_at
          FROM (SELECT xetl.import_merge_analytics(t, n) AS m) merged),
       updated_at = now()
  FROM import_analytics_rows n
 WHERE t.account_id = $1::bigint AND t.account_id = n.account_id AND t.tweet_id = n.tweet_id
   AND NOT ((t.posted_at, t.likes, t.retweets, t.replies, t.quotes, t.bookmarks, t.impressions, t.media_views,
             t.media_engagements, t.url_clicks, t.hashtag_clicks, t.detail_expands, t.user_profile_clicks,
             t.impressions_promoted, t.analytics_metadata->'import', t.last_scraped_at)
            IS NOT DISTINCT FROM
            (n.posted_at, n.likes, n.retweets, n.replies, n.quotes, n.bookmarks, n.impressions, n.media_views,
             n.media_engagements, n.url_clicks, n.hashtag_clicks, n.detail_expands, n.user_profile_clicks,
             n.impressions_promoted, n.analytics_metadata->'import', n.last_scraped_at))
   AND t IS DISTINCT FROM xetl.import_merge_analytics(t, n)
