-- Health: per UTC day of the account's posts ($1 account, [$2, $3) the days),
-- a thread counted once (its decision's first tweet): posts, posts whose
-- generation_metadata records a numeric cost_usd, the sum of those costs, and
-- bot posts that record none.
SELECT to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS posts,
       count(*) FILTER (WHERE jsonb_typeof(generation_metadata->'cost_usd') = 'number') AS cost_posts,
       sum((generation_metadata->>'cost_usd')::float8)
           FILTER (WHERE jsonb_typeof(generation_metadata->'cost_usd') = 'number') AS llm_recorded,
       count(*) FILTER (WHERE origin = 'bot'
                          AND jsonb_typeof(generation_metadata->'cost_usd') IS DISTINCT FROM 'number') AS bot_no_cost
  FROM (SELECT DISTINCT ON (decision_id) decision_id, posted_at, origin, generation_metadata
          FROM xetl.posts WHERE account_id = $1 AND posted_at IS NOT NULL
         ORDER BY decision_id, posted_at, tweet_id) d
 WHERE posted_at >= $2 AND posted_at < $3
 GROUP BY 1
