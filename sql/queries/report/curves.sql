-- Report: the fitted likes curves (Lomax A, c_h, theta) of account $1's five
-- most liked posts published in [$2, $3).
SELECT p.tweet_id, coalesce(p.text, '') AS text,
       (d->>'A')::float8 AS a, (d->>'c_h')::float8 AS c_h, (d->>'theta')::float8 AS theta
  FROM xetl.posts p
  JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id,
       LATERAL (SELECT t.analytics_metadata->'decay'->'likes' AS d) x
 WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
   AND jsonb_typeof(d->'A') = 'number' AND jsonb_typeof(d->'c_h') = 'number'
   AND jsonb_typeof(d->'theta') = 'number'
 ORDER BY t.likes DESC NULLS LAST, p.posted_at, length(p.tweet_id), p.tweet_id COLLATE "C"
 LIMIT 5
