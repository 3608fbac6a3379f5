-- The merged values (xetl.import_merge_analytics) of the rows in import_aold,
-- into import_amerged for analytics_merge, so the UPDATE assigns plain
-- values.  No parameters.
INSERT INTO import_amerged
SELECT x.tweet_id, (m).posted_at, (m).likes, (m).retweets, (m).replies, (m).quotes, (m).bookmarks,
       (m).impressions, (m).media_views, (m).media_engagements, (m).url_clicks, (m).hashtag_clicks,
       (m).detail_expands, (m).user_profile_clicks, (m).impressions_promoted, (m).analytics_metadata,
       (m).last_scraped_at
  FROM (SELECT n.tweet_id, xetl.import_merge_analytics(o, n) AS m
          FROM import_aold o JOIN import_analytics_rows n ON n.tweet_id = o.tweet_id) x
