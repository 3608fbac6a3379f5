-- The staged posts the account already has in tweet_analytics_comprehensive,
-- and whether the merge of the two (xetl.import_merge_analytics, migration
-- 0160/0250: the API's counters follow last_scraped_at, the export-only ones the
-- as-of of the last import) differs from what the row holds.  A staged row
-- equal to the stored one (same values, same import metadata, no newer
-- scrape) merges to the stored row, so only the others pay for the merge
-- function.  $1 account.
INSERT INTO import_have (target, tweet_id, differs)
SELECT 'analytics', t.tweet_id,
       CASE WHEN (t.posted_at, t.likes, t.retweets, t.replies, t.quotes, t.bookmarks, t.impressions,
                  t.media_views, t.media_engagements, t.url_clicks, t.hashtag_clicks, t.detail_expands,
                  t.user_profile_clicks, t.impressions_promoted, t.analytics_metadata->'import', t.last_scraped_at)
                 IS NOT DISTINCT FROM
                 (n.posted_at, n.likes, n.retweets, n.replies, n.quotes, n.bookmarks, n.impressions,
                  n.media_views, n.media_engagements, n.url_clicks, n.hashtag_clicks, n.detail_expands,
                  n.user_profile_clicks, n.impressions_promoted, n.analytics_metadata->'import', n.last_scraped_at)
            THEN false ELSE xetl.import_merge_analytics_differs(t, n) END
  FROM tweet_analytics_comprehensive t JOIN import_analytics_rows n ON n.account_id = t.account_id AND n.tweet_id = t.tweet_id
 WHERE t.account_id = $1::bigint
