-- attribute: the account's posts posted in [$2, $3) and by the as-of $4, with
-- their exposure curve (fit's impressions curve), latest impressions and X's
-- own follows — only what was known at the as-of: a rerun of a past range
-- must not see curves, counters or exports written by later runs.
-- The curve is taken out of the (TOASTed, compressed) analytics_metadata once
-- per post: OFFSET 0 keeps the planner from copying the expression into each
-- of its uses, which decompressed the whole document six times a post.
-- $1 account_id, $2..$3 posted range, $4 as-of.
SELECT p.tweet_id, p.decision_id::text AS decision_id, extract(epoch FROM p.posted_at)::bigint AS posted_at,
       coalesce(nullif(p.content_type_id, ''), nullif(p.content_type_name, ''),
                nullif(t.content_type, ''), '(none)') AS grp,
       CASE WHEN coalesce(fa.fit_as_of <= $4, true) THEN fa.d->>'A' END AS a,
       CASE WHEN coalesce(fa.fit_as_of <= $4, true) THEN fa.d->>'c_h' END AS c_h,
       CASE WHEN coalesce(fa.fit_as_of <= $4, true) THEN fa.d->>'theta' END AS theta,
       CASE WHEN t.last_scraped_at <= $4 THEN t.impressions END AS impressions,
       CASE WHEN t.last_scraped_at <= $4 THEN extract(epoch FROM t.last_scraped_at)::bigint END AS scraped_at,
       pf.follows, extract(epoch FROM pf.as_of)::bigint AS follows_as_of
  FROM xetl.posts p
  LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
  LEFT JOIN LATERAL (SELECT x.d, (x.d->>'as_of')::timestamptz AS fit_as_of
                       FROM (SELECT t.analytics_metadata->'decay'->'impressions' AS d OFFSET 0) x) fa ON true
  LEFT JOIN xetl.platform_follows pf ON pf.account_id = p.account_id AND pf.tweet_id = p.tweet_id AND pf.as_of <= $4
 WHERE p.account_id = $1 AND p.posted_at IS NOT NULL
   AND p.posted_at >= $2 AND p.posted_at < $3 AND p.posted_at <= $4
 ORDER BY p.posted_at, p.tweet_id
