-- Report: the headline figures of account $1 for two periods, one row per
-- metric: this period [$2, $3) and the previous one [$4, $2); $5 is the value
-- of one follower in USD (NULL when unknown).  Also the roll-up's leaderboard.
WITH per(k, f, t) AS (VALUES ('cur', $2::timestamptz, $3::timestamptz),
                             ('prev', $4::timestamptz, $2::timestamptz)),
hd AS (
  SELECT h.day, max(coalesce((h.metrics_snapshot#>>'{cost,total_usd}')::numeric, h.daily_api_cost_usd)) AS cost,
         bool_or(h.metrics_snapshot#>>'{cost,complete}' = 'false'
                 AND h.metrics_snapshot#>>'{cost,total_usd}' IS NOT NULL) AS partial
    FROM system_health_metrics h WHERE h.account_id = $1 GROUP BY h.day),
-- The posts of each period in one pass each (one row per period, also when it has none).
pa AS (
  SELECT 'cur' AS k, count(*) AS posts,
         xetl.engagement_rate(sum(t.likes), sum(t.retweets), sum(t.replies), sum(t.impressions)) AS er,
         avg(t.prediction_accuracy) AS acc, count(t.prediction_accuracy) AS acc_n,
         sum(fa.followers_gained) AS attributed
    FROM xetl.posts p
    LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
    LEFT JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id
         AND fa.time_window_hours = xetl.window_7d_hours()
   WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
  UNION ALL
  SELECT 'prev', count(*),
         xetl.engagement_rate(sum(t.likes), sum(t.retweets), sum(t.replies), sum(t.impressions)),
         avg(t.prediction_accuracy), count(t.prediction_accuracy), sum(fa.followers_gained)
    FROM xetl.posts p
    LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
    LEFT JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id
         AND fa.time_window_hours = xetl.window_7d_hours()
   WHERE p.account_id = $1 AND p.posted_at >= $4 AND p.posted_at < $2),
m AS (
  SELECT per.k,
   -- followers at the period's end (the end of its last day): the last sample by then, taken in the period
   (SELECT followers_count FROM xetl.follower_samples s WHERE s.account_id = $1
     AND s.sampled_at >= per.f AND s.sampled_at <= per.t
     ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1) AS f_end,
   -- at its start: the last sample by then, else the period's first
   coalesce((SELECT followers_count FROM xetl.follower_samples s WHERE s.account_id = $1
              AND s.sampled_at <= per.f ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1),
            (SELECT followers_count FROM xetl.follower_samples s WHERE s.account_id = $1
              AND s.sampled_at >= per.f AND s.sampled_at <= per.t
              ORDER BY s.sampled_at, s.source COLLATE "C" LIMIT 1)) AS f_start,
   pa.posts, pa.er, pa.acc, pa.acc_n, pa.attributed,
   (SELECT sum(hd.cost) FROM hd WHERE hd.day >= per.f::date AND hd.day < per.t::date) AS cost,
   (SELECT count(*) FROM hd WHERE hd.day >= per.f::date AND hd.day < per.t::date
       AND hd.cost IS NOT NULL) AS cost_days,
   (SELECT count(*) FROM hd WHERE hd.day >= per.f::date AND hd.day < per.t::date
       AND hd.partial) AS partial_days,
   (per.t::date - per.f::date) AS days
  FROM per JOIN pa ON pa.k = per.k),
v AS (
  -- A period's cost is compared only when every one of its days has one:
  -- a sum over the few days health happened to cover is not a period's cost.
  SELECT m.*, (m.f_end - m.f_start)::numeric AS fg,
         CASE WHEN m.cost_days = m.days AND m.partial_days = 0 THEN m.cost END AS cost_full FROM m),
c AS (SELECT * FROM v WHERE k = 'cur'),
p AS (SELECT * FROM v WHERE k = 'prev'),
rows AS (
  SELECT r.* FROM c, p, LATERAL (VALUES
   (1, 'followers gained', 'activity in the period', 'count', c.fg, p.fg,
    CASE WHEN c.f_end IS NULL THEN 'no follower samples in the period' END),
   (2, 'cost', 'activity in the period', 'usd', round(c.cost, 2), round(p.cost_full, 2),
    CASE WHEN c.cost IS NULL THEN 'no data: no cost computed (set cost.* and run xetl health)'
         WHEN c.partial_days > 0 THEN 'partial: some cost parts not configured on '
              || c.partial_days || ' of ' || c.days || ' days'
         WHEN c.cost_days < c.days THEN 'cost known for ' || c.cost_days || ' of ' || c.days || ' days' END),
   -- Per follower and ROI only from a whole cost: a partial one would flatter them.
   (3, 'cost per follower', 'activity in the period', 'usd',
    round(c.cost_full / CASE WHEN c.fg > 0 THEN c.fg END, 4),
    round(p.cost_full / CASE WHEN p.fg > 0 THEN p.fg END, 4),
    CASE WHEN c.cost IS NULL THEN 'no data: cost unknown'
         WHEN c.cost_full IS NULL THEN 'no data: the cost is not known for every part and day'
         WHEN coalesce(c.fg, 0) <= 0 THEN 'undefined: no followers gained' END),
   (4, 'ROI', 'activity in the period', 'ratio',
    round((c.fg * $5::numeric - c.cost_full) / nullif(c.cost_full, 0), 4),
    round((p.fg * $5::numeric - p.cost_full) / nullif(p.cost_full, 0), 4),
    CASE WHEN $5::numeric IS NULL THEN 'no data: value.per_follower_usd not set'
         WHEN c.cost IS NULL THEN 'no data: cost unknown'
         WHEN c.cost_full IS NULL THEN 'no data: the cost is not known for every part and day'
         ELSE '(followers gained x ' || $5::numeric || ' USD - cost) / cost' END),
   (5, 'posts published', 'activity in the period', 'count', c.posts::numeric, p.posts::numeric, NULL),
   (6, 'engagement rate', 'lifetime of posts published in the period', 'ratio',
    round(c.er, 6), round(p.er, 6),
    CASE WHEN c.er IS NULL THEN 'no data: no impressions' ELSE '(likes + reposts + replies) / impressions' END),
   (7, 'followers attributed to posts', 'lifetime of posts published in the period (7 d)', 'count',
    c.attributed::numeric, p.attributed::numeric,
    CASE WHEN c.attributed IS NULL THEN 'no data: attribution not run'
         WHEN c.attributed > c.fg THEN 'more than the net gain: it counts these posts'' whole 7 days'
              || ' and leaves out the baseline, which was negative (churn)' END),
   (8, 'prediction accuracy', 'lifetime of posts published in the period', 'ratio',
    round(c.acc, 4), round(p.acc, 4),
    CASE WHEN c.acc IS NULL THEN 'no data: no 7-day prediction scored yet'
         ELSE CASE WHEN c.acc_n = 1 THEN 'over the 1 post whose 7-day likes are known'
                   ELSE 'over the ' || c.acc_n || ' posts whose 7-day likes are known' END
              || ', scoring the forecast available at'
              || ' 24 h of age: mean of (min(predicted, actual) + 1) / (max(predicted, actual) + 1)' END)
   ) r(ord, item, basis, unit, cur, prev, note))
SELECT ord, item, basis, unit, cur, prev, cur - prev AS change,
       round((cur - prev) / nullif(abs(prev), 0), 4) AS change_pct, note
  FROM rows ORDER BY ord
