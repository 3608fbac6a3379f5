-- The staged posts that already have an import snapshot at this as-of.  $1 account, $2 as-of.
INSERT INTO import_have (target, tweet_id)
SELECT 'snapshots', p.tweet_id FROM performance_snapshots p JOIN import_stage s ON s.tweet_id = p.tweet_id
 WHERE p.account_id = $1::bigint AND p.snapshot_at = $2::timestamptz AND p.source = 'import'
   AND s.reason IS NULL
