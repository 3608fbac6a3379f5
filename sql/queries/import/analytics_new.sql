-- New tweet_analytics_comprehensive rows by a plain INSERT (see posts_new).  No parameters.
INSERT INTO tweet_analytics_comprehensive (account_id, decision_id, tweet_id, posted_at, last_scraped_at,
        analytics_metadata, likes, retweets, replies, quotes, bookmarks, impressions, media_views,
        media_engagements, url_clicks, hashtag_clicks, detail_expands, user_profile_clicks, impressions_promoted)
SELECT * FROM import_analytics_rows
 WHERE tweet_id NOT IN (SELECT tweet_id FROM import_have WHERE target = 'analytics')
