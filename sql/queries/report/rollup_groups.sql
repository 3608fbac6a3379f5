-- Report roll-up: the content types, formulas or hooks ($5 = 'content_type',
-- 'formula' or 'hook') across the accounts $1 (bigint[]) for posts published
-- in [$2, $3): the five with the most followers per post among those with at
-- least $4 posts attributed, with their evidence.
WITH k AS (
  SELECT p.account_id, p.tweet_id,
         CASE $5::text WHEN 'content_type' THEN coalesce(nullif(p.content_type_name, ''), nullif(t.content_type, ''))
                       WHEN 'formula' THEN coalesce(nullif(p.viral_formula, ''), nullif(t.viral_formula, ''))
                       ELSE coalesce(nullif(p.hook_used, ''), nullif(t.hook_used, '')) END AS name
    FROM xetl.posts p
    LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
   WHERE p.account_id = ANY($1::bigint[]) AND p.posted_at >= $2 AND p.posted_at < $3)
SELECT k.name, count(DISTINCT k.account_id) AS accounts, count(*) AS posts, sum(fa.followers_gained) AS followers,
       round(sum(fa.followers_gained)::numeric / nullif(count(fa.followers_gained), 0), 2) AS followers_per_post,
       count(fa.followers_gained) AS attributed, string_agg(DISTINCT a.handle, ', ' ORDER BY a.handle) AS handles
  FROM k JOIN xetl.accounts a ON a.account_id = k.account_id
  LEFT JOIN follower_attributions fa ON fa.account_id = k.account_id AND fa.tweet_id = k.tweet_id
        AND fa.time_window_hours = xetl.window_7d_hours()
 WHERE k.name IS NOT NULL
 GROUP BY 1 HAVING count(fa.followers_gained) >= $4::int
 ORDER BY 5 DESC NULLS LAST, 4 DESC NULLS LAST, k.name COLLATE "C"
 LIMIT 5
