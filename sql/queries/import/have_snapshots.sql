-- The staged posts that already have an import snapshot at this as-of, and
-- whether any of its values differ.  $1 account.
INSERT INTO import_have (target, tweet_id, differs)
SELECT 'snapshots', ps.tweet_id,
       (ps.decision_id, ps.hours_since_post, ps.likes, ps.retweets, ps.replies, ps.quotes,
        ps.bookmarks, ps.impressions, ps.profile_clicks, ps.url_clicks, ps.detail_expands,
        ps.engagement_rate, ps.viral_coefficient, ps.reply_rate, ps.bookmark_rate, ps.snapshot_metadata)
       IS DISTINCT FROM
       (n.decision_id, n.hours_since_post, n.likes, n.retweets, n.replies, n.quotes, n.bookmarks,
        n.impressions, n.profile_clicks, n.url_clicks, n.detail_expands, n.engagement_rate,
        n.viral_coefficient, n.reply_rate, n.bookmark_rate, n.snapshot_metadata)
  FROM performance_snapshots ps
  JOIN import_snapshot_rows n ON n.account_id = ps.account_id AND n.tweet_id = ps.tweet_id
                             AND n.snapshot_at = ps.snapshot_at AND n.source = ps.source
 WHERE ps.account_id = $1::bigint
