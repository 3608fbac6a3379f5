-- The import snapshots already there at this as-of: rewritten only when a
-- value differs (see posts_merge).  $1 account.
UPDATE performance_snapshots ps
   SET decision_id = n.decision_id, hours_since_post = n.hours_since_post,
       likes = n.likes, retweets = n.retweets, replies = n.replies, quotes = n.quotes,
       bookmarks = n.bookmarks, impressions = n.impressions, profile_clicks = n.profile_clicks,
       url_clicks = n.url_clicks, detail_expands = n.detail_expands, engagement_rate = n.engagement_rate,
       viral_coefficient = n.viral_coefficient, reply_rate = n.reply_rate, bookmark_rate = n.bookmark_rate,
       snapshot_metadata = n.snapshot_metadata
  FROM import_snapshot_rows n
 WHERE ps.account_id = $1::bigint AND ps.account_id = n.account_id AND ps.tweet_id = n.tweet_id
   AND ps.snapshot_at = n.snapshot_at AND ps.source = n.source
   AND (ps.decision_id, ps.hours_since_post, ps.likes, ps.retweets, ps.replies, ps.quotes,
        ps.bookmarks, ps.impressions, ps.profile_clicks, ps.url_clicks, ps.detail_expands,
        ps.engagement_rate, ps.viral_coefficient, ps.reply_rate, ps.bookmark_rate, ps.snapshot_metadata)
       IS DISTINCT FROM
       (n.decision_id, n.hours_since_post, n.likes, n.retweets, n.replies, n.quotes, n.bookmarks,
        n.impressions, n.profile_clicks, n.url_clicks, n.detail_expands, n.engagement_rate,
        n.viral_coefficient, n.reply_rate, n.bookmark_rate, n.snapshot_metadata)
