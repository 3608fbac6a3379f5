-- Report: the Daily health table of account $1, one row per UTC day in
-- [$2, $3): followers at the end of the day and the change over the day
-- (the last sample by xetl.day_end of the day, and of the day before), the export's
-- follows, the posts published that day (report_period, report/period),
-- and health's rates and money.
WITH days AS (
  SELECT d::date AS day FROM generate_series(date_trunc('day', $2::timestamptz),
         $3::timestamptz - interval '1 second', interval '1 day') d),
pub AS (
  SELECT posted_at::date AS day, count(*) AS posts, sum(coalesce(impressions, 0)) AS impressions,
         sum(likes) AS likes, sum(retweets) AS retweets, sum(replies) AS replies
    FROM pg_temp.report_period GROUP BY 1),
h AS (
  SELECT day, max(posting_success_rate) AS psr, max(api_success_rate) AS asr,
         max(coalesce((metrics_snapshot#>>'{cost,total_usd}')::numeric, daily_api_cost_usd)) AS cost,
         max(cost_per_follower_usd) AS cpf, max(roi) AS roi
    FROM system_health_metrics WHERE account_id = $1 GROUP BY day)
SELECT to_char(days.day, 'YYYY-MM-DD') AS day, fe.followers_count AS followers_end_of_day,
       fe.followers_count - fs.followers_count AS followers_change, df.new_follows, df.unfollows,
       coalesce(pub.posts, 0) AS posts, pub.impressions,
       round(xetl.engagement_rate(pub.likes, pub.retweets, pub.replies, pub.impressions), 6) AS engagement_rate,
       round(h.psr, 4) AS posting_success_rate, round(h.asr, 4) AS api_success_rate, round(h.cost, 2) AS cost,
       round(h.cpf, 4) AS cost_per_follower, round(h.roi, 4) AS roi
  FROM days
  LEFT JOIN LATERAL (SELECT s.followers_count FROM xetl.follower_samples s
                      WHERE s.account_id = $1 AND s.sampled_at <= xetl.day_end(days.day)
                      ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1) fe ON true
  LEFT JOIN LATERAL (SELECT s.followers_count FROM xetl.follower_samples s
                      WHERE s.account_id = $1 AND s.sampled_at <= xetl.day_end(days.day - 1)
                      ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1) fs ON true
  LEFT JOIN xetl.daily_follows df ON df.account_id = $1 AND df.day = days.day
  LEFT JOIN pub ON pub.day = days.day
  LEFT JOIN h ON h.day = days.day
 ORDER BY days.day
