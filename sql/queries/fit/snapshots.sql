-- fit: every snapshot (taken at or before the as-of) of the posts of
-- fit/posts, one row per snapshot, by post (the posts' own columns come once
-- from fit/posts, not with each of their snapshots).  The age comes from the
-- timestamps (hours_since_post is rounded to 0.01 h and was computed by
-- whoever wrote the row), in seconds as the exact numeric: the client's
-- strtod gives the double a ::float8 cast would, without the server
-- converting each through text twice.
-- $1 account_id, $2..$3 the range [from, to), $4..$5 the history [from, as-of).
SELECT p.tweet_id, extract(epoch FROM s.snapshot_at - p.posted_at) AS age_s,
       s.likes, s.retweets, s.replies, s.impressions
  FROM xetl.posts p
  JOIN performance_snapshots s ON s.account_id = p.account_id AND s.tweet_id = p.tweet_id
 WHERE p.account_id = $1 AND p.posted_at IS NOT NULL
   AND ((p.posted_at >= $2::timestamptz AND p.posted_at < $3::timestamptz)
        OR (p.posted_at >= $4::timestamptz AND p.posted_at < $5::timestamptz))
   AND s.snapshot_at <= $5::timestamptz AND s.snapshot_at > p.posted_at
 ORDER BY p.tweet_id, s.snapshot_at, s.source
