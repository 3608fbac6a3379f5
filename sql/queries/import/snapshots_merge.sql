-- The import snapshots already there at this as-of whose values differ
-- (import_have.differs) are rewritten (see posts_merge).  $1 account.
UPDATE performance_snapshots ps
   SET decision_id = n.decision_id, hours_since_post = n.hours_since_post,
       likes = n.likes, retweets = n.retweets, replies = n.replies, quotes = n.quotes,
       bookmarks = n.bookmarks, impressions = n.impressions, profile_clicks = n.profile_clicks,
       url_clicks = n.url_clicks, detail_expands = n.detail_expands, engagement_rate = n.engagement_rate,
       viral_coefficient = n.viral_coefficient, reply_rate = n.reply_rate, bookmark_rate = n.bookmark_rate,
       snapshot_metadata = n.snapshot_metadata
  FROM import_snapshot_rows n JOIN import_have h ON h.target = 'snapshots' AND h.tweet_id = n.tweet_id AND h.differs
 WHERE ps.account_id = $1::bigint AND ps.account_id = n.account_id AND ps.tweet_id = n.tweet_id
   AND ps.snapshot_at = n.snapshot_at AND ps.source = n.source
