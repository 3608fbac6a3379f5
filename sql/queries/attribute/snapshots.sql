-- attribute: impression snapshots (taken by the as-of) of the posts of
-- attribute/posts without a fitted curve ($5, text[] of tweet ids), in the
-- same post order.  $1 account_id, $2..$3 posted range, $4 as-of.
SELECT s.tweet_id, extract(epoch FROM s.snapshot_at - p.posted_at) / 3600.0 AS age_h, s.impressions
  FROM xetl.posts p
  JOIN performance_snapshots s ON s.account_id = p.account_id AND s.tweet_id = p.tweet_id
 WHERE p.account_id = $1 AND p.tweet_id = ANY ($5::text[]) AND p.posted_at IS NOT NULL
   AND p.posted_at >= $2 AND p.posted_at < $3 AND p.posted_at <= $4
   AND s.snapshot_at <= $4 AND s.snapshot_at > p.posted_at
   AND s.impressions IS NOT NULL AND s.impressions > 0
 ORDER BY p.posted_at, p.tweet_id, s.snapshot_at
