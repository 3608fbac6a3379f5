-- Learn: account $1's posts posted by the as-of $2 with what was known of
-- them then: their arms, the 168 h attribution measured by then (only closed
-- windows are evidence: a row computed before its window ended is not), and
-- their counters scraped by then, else the latest snapshot by then (a counter
-- whose scrape time is unknown is used; of an 'api' and an 'import' snapshot
-- taken at the same time, the first by source name, whatever the plan).  The
-- snapshots are read only for the posts without such a scrape (none in a
-- nightly: n, found first, OFFSET 0 so the planner does not join every
-- snapshot of the account before filtering), from the (account_id, tweet_id,
-- snapshot_at, source) key's index alone (it carries the counters, migration
-- 0290; tests/integration/t_index_only.sh).  Joins on the account, no
-- LATERAL … LIMIT: Citus runs the whole query on the account's shard.
SELECT p.tweet_id, extract(epoch FROM p.posted_at)::bigint AS posted,
       coalesce(nullif(p.content_type_id, ''), nullif(p.content_type_name, '')) AS type_id,
       coalesce(nullif(p.content_type_name, ''), nullif(p.content_type_id, '')) AS type_name,
       nullif(p.viral_formula, '') AS formula, nullif(p.hook_used, '') AS hook,
       coalesce(fa.followers_credited, fa.followers_gained) AS followers,
       fa.attribution_metadata->'draws_168h' AS draws,
       coalesce(t.fresh, false) OR s.tweet_id IS NOT NULL AS has_tac,
       CASE WHEN t.fresh THEN t.likes ELSE s.likes END AS likes,
       CASE WHEN t.fresh THEN t.retweets ELSE s.retweets END AS retweets,
       CASE WHEN t.fresh THEN t.replies ELSE s.replies END AS replies,
       CASE WHEN t.fresh THEN t.impressions ELSE s.impressions END AS impressions,
       CASE WHEN t.fresh THEN xetl.engagement_rate(t.likes, t.retweets, t.replies, t.impressions)
            ELSE xetl.engagement_rate(s.likes, s.retweets, s.replies, s.impressions) END AS er
  FROM xetl.posts p
  LEFT JOIN follower_attributions fa
         ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id AND fa.time_window_hours = xetl.window_7d_hours()
        AND coalesce((fa.attribution_metadata->>'matured')::boolean, true) AND fa.measured_at <= $2
  LEFT JOIN (SELECT account_id, tweet_id, likes, retweets, replies, impressions,
                    coalesce(last_scraped_at <= $2, true) AS fresh
               FROM tweet_analytics_comprehensive WHERE account_id = $1) t
         ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
  LEFT JOIN (SELECT DISTINCT ON (x.tweet_id) x.account_id, x.tweet_id, x.likes, x.retweets, x.replies, x.impressions
               FROM (SELECT q.account_id, q.tweet_id FROM xetl.posts q
                       LEFT JOIN tweet_analytics_comprehensive f ON f.account_id = q.account_id AND f.tweet_id = q.tweet_id
                      WHERE q.account_id = $1 AND q.posted_at IS NOT NULL AND q.posted_at <= $2
                        AND NOT coalesce(f.last_scraped_at <= $2, f.tweet_id IS NOT NULL) OFFSET 0) n
               JOIN performance_snapshots x ON x.account_id = n.account_id AND x.tweet_id = n.tweet_id
              WHERE x.account_id = $1 AND x.snapshot_at <= $2
              ORDER BY x.tweet_id, x.snapshot_at DESC, x.source) s
         ON s.account_id = p.account_id AND s.tweet_id = p.tweet_id
 WHERE p.account_id = $1 AND p.posted_at IS NOT NULL AND p.posted_at <= $2
 ORDER BY p.posted_at, p.tweet_id
