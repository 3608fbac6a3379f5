-- The account's existing tweet_analytics_comprehensive rows whose merge with
-- the staged one differs get that merge (import_amerged, see analytics_old
-- and posts_merge).  $1 account.
UPDATE tweet_analytics_comprehensive t
   SET posted_at = m.posted_at, likes = m.likes, retweets = m.retweets, replies = m.replies,
       quotes = m.quotes, bookmarks = m.bookmarks, impressions = m.impressions, media_views = m.media_views,
       media_engagements = m.media_engagements, url_clicks = m.url_clicks, hashtag_clicks = m.hashtag_clicks,
       detail_expands = m.detail_expands, user_profile_clicks = m.user_profile_clicks,
       impressions_promoted = m.impressions_promoted, analytics_metadata = m.analytics_metadata,
       last_scraped_at = m.last_scraped_at, updated_at = now()
  FROM import_amerged m
 WHERE t.account_id = $1::bigint AND t.tweet_id = m.tweet_id
