-- The merged values (xetl.import_merge_analytics) of the existing
-- tweet_analytics_comprehensive rows the import changes (import_have.differs),
-- read into import_amerged for analytics_merge, so the UPDATE assigns plain
-- values: on Citus a statement that writes runs on the account's worker, and
-- the merge function takes the stored row, which there is a shard's row.
-- $1 account.
INSERT INTO import_amerged
SELECT n.tweet_id, (m).posted_at, (m).likes, (m).retweets, (m).replies, (m).quotes, (m).bookmarks,
       (m).impressions, (m).media_views, (m).media_engagements, (m).url_clicks, (m).hashtag_clicks,
       (m).detail_expands, (m).user_profile_clicks, (m).impressions_promoted, (m).analytics_metadata,
       (m).last_scraped_at
  FROM (SELECT n.tweet_id, xetl.import_merge_analytics(t, n) AS m
          FROM tweet_analytics_comprehensive t
          JOIN import_analytics_rows n ON n.account_id = t.account_id AND n.tweet_id = t.tweet_id
          JOIN import_have h ON h.target = 'analytics' AND h.tweet_id = n.tweet_id AND h.differs
         WHERE t.account_id = $1::bigint) n
