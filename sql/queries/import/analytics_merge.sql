-- The account's existing tweet_analytics_comprehensive rows whose merge with
-- the staged one differs (import_have.differs) get that merge
-- (xetl.import_merge_analytics; see posts_merge).  $1 account.
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
  FROM import_analytics_rows n JOIN import_have h ON h.target = 'analytics' AND h.tweet_id = n.tweet_id AND h.differs
 WHERE t.account_id = $1::bigint AND t.account_id = n.account_id AND t.tweet_id = n.tweet_id
