-- New performance_snapshots rows (source 'import', at the file's as-of) by a
-- plain INSERT (see posts_new).  No parameters.
INSERT INTO performance_snapshots (account_id, decision_id, tweet_id, snapshot_at, source, hours_since_post,
        likes, retweets, replies, quotes, bookmarks, impressions, profile_clicks, url_clicks, detail_expands,
        engagement_rate, viral_coefficient, reply_rate, bookmark_rate, snapshot_metadata)
SELECT * FROM import_snapshot_rows
 WHERE tweet_id NOT IN (SELECT tweet_id FROM import_have WHERE target = 'snapshots')
