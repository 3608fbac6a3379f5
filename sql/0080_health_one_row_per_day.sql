-- 0080 health_one_row_per_day: system_health_metrics is the seed's wide row,
-- a column per metric, so health now writes one row per account and day
-- (metric_type 'daily') instead of one row per kind of metric with the other
-- columns NULL.  Rows written by earlier versions (metric_type posting,
-- engagement, followers, learning, cost) are folded into that one row: each
-- column from the kind that carried it, the snapshots under their kind's key.
-- Money the old layout computed from a partly known cost is not carried into
-- the columns (the snapshot keeps it).  Rows without an account (the seed's
-- own) are left as they are.  posts_per_hour loses the seed's two-decimal
-- rounding (at the end).
WITH old AS (
    SELECT account_id, day, metric_type, posts_per_hour, avg_engagement_rate, followers_per_day,
           learning_cycles_completed, posting_success_rate, api_success_rate, error_rate,
           daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot::text::jsonb AS snap,
           measured_at, created_at
      FROM system_health_metrics
     WHERE account_id IS NOT NULL AND metric_type IN ('posting', 'engagement', 'followers', 'learning', 'cost')
), folded AS (
    SELECT account_id, day,
           max(posts_per_hour) FILTER (WHERE metric_type = 'posting') AS posts_per_hour,
           max(avg_engagement_rate) FILTER (WHERE metric_type = 'engagement') AS avg_engagement_rate,
           max(followers_per_day) FILTER (WHERE metric_type = 'followers') AS followers_per_day,
           max(learning_cycles_completed) FILTER (WHERE metric_type = 'learning') AS learning_cycles_completed,
           max(posting_success_rate) FILTER (WHERE metric_type = 'posting') AS posting_success_rate,
           max(api_success_rate) FILTER (WHERE metric_type = 'posting') AS api_success_rate,
           max(error_rate) FILTER (WHERE metric_type = 'posting') AS error_rate,
           max(daily_api_cost_usd) FILTER (WHERE metric_type = 'cost'
               AND NOT coalesce(snap->'unknown' ?| ARRAY['x_api', 'llm'], false)) AS daily_api_cost_usd,
           max(cost_per_follower_usd) FILTER (WHERE metric_type = 'cost'
               AND coalesce(snap->>'complete', 'true') = 'true') AS cost_per_follower_usd,
           max(roi) FILTER (WHERE metric_type = 'cost'
               AND coalesce(snap->>'complete', 'true') = 'true') AS roi,
           (SELECT jsonb_object_agg(k, v) FROM (VALUES
                ('posting', max(snap::text) FILTER (WHERE metric_type = 'posting')::jsonb),
                ('engagement', max(snap::text) FILTER (WHERE metric_type = 'engagement')::jsonb),
                ('followers', max(snap::text) FILTER (WHERE metric_type = 'followers')::jsonb),
                ('prediction_quality', (max(snap::text) FILTER (WHERE metric_type = 'learning'))::jsonb
                                           -> 'prediction_quality'),
                ('cost', max(snap::text) FILTER (WHERE metric_type = 'cost')::jsonb)) kv(k, v)
             WHERE v IS NOT NULL) AS snap,
           max(measured_at) AS measured_at,
           coalesce(min(created_at), now()) AS created_at
      FROM old
     GROUP BY account_id, day
)
INSERT INTO system_health_metrics (account_id, day, metric_type, posts_per_hour, avg_engagement_rate,
       followers_per_day, learning_cycles_completed, posting_success_rate, api_success_rate, error_rate,
       daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot, measured_at, created_at)
SELECT account_id, day, 'daily', posts_per_hour, avg_engagement_rate, followers_per_day,
       learning_cycles_completed, posting_success_rate, api_success_rate, error_rate,
       daily_api_cost_usd, cost_per_follower_usd, roi, coalesce(snap, '{}'::jsonb), measured_at, created_at
  FROM folded
-- A 'daily' row already there is newer than the old layout: it wins.
ON CONFLICT (account_id, day, metric_type) DO NOTHING;

DELETE FROM system_health_metrics
 WHERE account_id IS NOT NULL AND metric_type IN ('posting', 'engagement', 'followers', 'learning', 'cost');

-- One post a day is 0.0417 posts per hour; the seed's numeric(10,2) stored
-- 0.04.  A view of the bot's own on the column keeps the old type (a notice
-- says so) rather than stopping the upgrade.
DO $$
BEGIN
    ALTER TABLE system_health_metrics ALTER COLUMN posts_per_hour TYPE numeric;
EXCEPTION WHEN feature_not_supported OR dependent_objects_still_exist THEN
    RAISE NOTICE 'system_health_metrics.posts_per_hour keeps its type (%): %', SQLSTATE, SQLERRM;
END
$$;
