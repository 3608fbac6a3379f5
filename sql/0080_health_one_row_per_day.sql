-- 0080 health_one_row_per_day: system_health_metrics is the seed's wide row,
-- a column per metric, so health now writes one row per account and day
-- (metric_type 'daily') instead of one row per kind of metric with the other
-- columns NULL.  Rows written by earlier versions (metric_type posting,
-- engagement, followers, learning, cost) are folded into that one row: each
-- column from the kind that carried it, the snapshots under their kind's key.
-- Rows without an account (the seed's own) are left as they are.
-- posts_per_hour loses the seed's two-decimal rounding (see the end).
INSERT INTO system_health_metrics (account_id, day, metric_type, posts_per_hour, avg_engagement_rate,
       followers_per_day, learning_cycles_completed, posting_success_rate, api_success_rate, error_rate,
       daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot, measured_at)
SELECT account_id, day, 'daily',
       max(posts_per_hour) FILTER (WHERE metric_type = 'posting'),
       max(avg_engagement_rate) FILTER (WHERE metric_type = 'engagement'),
       max(followers_per_day) FILTER (WHERE metric_type = 'followers'),
       max(learning_cycles_completed) FILTER (WHERE metric_type = 'learning'),
       max(posting_success_rate) FILTER (WHERE metric_type = 'posting'),
       max(api_success_rate) FILTER (WHERE metric_type = 'posting'),
       max(error_rate) FILTER (WHERE metric_type = 'posting'),
       max(daily_api_cost_usd) FILTER (WHERE metric_type = 'cost'),
       max(cost_per_follower_usd) FILTER (WHERE metric_type = 'cost'),
       max(roi) FILTER (WHERE metric_type = 'cost'),
       jsonb_strip_nulls(jsonb_build_object(
           'posting', max(metrics_snapshot::text) FILTER (WHERE metric_type = 'posting')::jsonb,
           'engagement', max(metrics_snapshot::text) FILTER (WHERE metric_type = 'engagement')::jsonb,
           'followers', max(metrics_snapshot::text) FILTER (WHERE metric_type = 'followers')::jsonb,
           'prediction_quality',
               (max(metrics_snapshot::text) FILTER (WHERE metric_type = 'learning'))::jsonb -> 'prediction_quality',
           'cost', max(metrics_snapshot::text) FILTER (WHERE metric_type = 'cost')::jsonb)),
       max(measured_at)
  FROM system_health_metrics
 WHERE account_id IS NOT NULL AND metric_type IN ('posting', 'engagement', 'followers', 'learning', 'cost')
 GROUP BY account_id, day
ON CONFLICT (account_id, day, metric_type) DO NOTHING;

DELETE FROM system_health_metrics
 WHERE account_id IS NOT NULL AND metric_type IN ('posting', 'engagement', 'followers', 'learning', 'cost');

-- One post a day is 0.0417 posts per hour; the seed's numeric(10,2) stored 0.04.
ALTER TABLE system_health_metrics ALTER COLUMN posts_per_hour TYPE numeric;
