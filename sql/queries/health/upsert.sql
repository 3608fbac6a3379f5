-- Health: one day's row of system_health_metrics ($1 account, $2 day, $3
-- metric_type, $4..$13 the metrics, $14 metrics_snapshot, $15 measured_at =
-- the as-of); a rerun replaces it.
INSERT INTO system_health_metrics (account_id, day, metric_type, posts_per_hour, avg_engagement_rate,
       followers_per_day, learning_cycles_completed, posting_success_rate, api_success_rate, error_rate,
       daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot, measured_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15)
ON CONFLICT (account_id, day, metric_type) DO UPDATE SET
       posts_per_hour = EXCLUDED.posts_per_hour, avg_engagement_rate = EXCLUDED.avg_engagement_rate,
       followers_per_day = EXCLUDED.followers_per_day,
       learning_cycles_completed = EXCLUDED.learning_cycles_completed,
       posting_success_rate = EXCLUDED.posting_success_rate, api_success_rate = EXCLUDED.api_success_rate,
       error_rate = EXCLUDED.error_rate, daily_api_cost_usd = EXCLUDED.daily_api_cost_usd,
       cost_per_follower_usd = EXCLUDED.cost_per_follower_usd, roi = EXCLUDED.roi,
       metrics_snapshot = EXCLUDED.metrics_snapshot, measured_at = EXCLUDED.measured_at
