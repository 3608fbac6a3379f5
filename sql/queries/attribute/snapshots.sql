-- attribute: impression snapshots (taken by the as-of) of the posts of
-- attribute/posts, in the same post order, for posts without a fitted curve.
-- $1 account_id, $2..$3 posted range, $4 as-of.
SELECT s.tweet_id, extract(epoch FROM s.snapshot_at - p.posted_at) / 3600.0 AS age_h, s.impressions
  FROM performance_snapshots s
  JOIN xetl.posts p ON p.account_id = s.account_id AND p.tweet_id = s.tweet_id
 WHERE p.account_id = $1 AND p.posted_at IS NOT NULL
   AND p.posted_at >= $2 AND p.posted_at < $3 AND p.posted_at <= $4
   AND s.snapshot_at <= $4 AND s.snapshot_at > p.posted_at
   AND s.impressions IS NOT NULL AND s.impressions > 0
 ORDER BY p.posted_at, p.tweet_id, s.snapshot_at
