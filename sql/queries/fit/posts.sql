-- fit: the account's posts in the range or in the history window, by post
-- (the order of fit/snapshots, whose rows carry only the tweet id); the
-- posted_at epoch as the exact numeric (the client's strtod gives the double
-- a ::float8 cast would).
-- $1 account_id, $2..$3 the range [from, to), $4..$5 the history [from, as-of).
SELECT p.tweet_id, p.kind, extract(epoch FROM p.posted_at) AS posted_at,
       (p.posted_at >= $2::timestamptz AND p.posted_at < $3::timestamptz) AS in_range,
       (p.posted_at >= $4::timestamptz AND p.posted_at < $5::timestamptz) AS in_history
  FROM xetl.posts p
 WHERE p.account_id = $1 AND p.posted_at IS NOT NULL
   AND ((p.posted_at >= $2::timestamptz AND p.posted_at < $3::timestamptz)
        OR (p.posted_at >= $4::timestamptz AND p.posted_at < $5::timestamptz))
 ORDER BY p.tweet_id
