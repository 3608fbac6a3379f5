-- tests/golden/report_seed.sql — a small fixed dataset for the report tests,
-- written the way the stages' data contracts say they write it.  Account 1
-- ('acme') is created by the test with `xetl account add` before this runs.
-- Report range: 2026-11-18 .. 2026-11-24, as of 2026-11-25T06:00Z; the
-- previous period is 2026-11-11 .. 2026-11-17.

-- Follower count sampled at 00:00 and 12:00 UTC each day, 10 .. 25 Nov: one an hour,
-- plus a jump of 20 on the 20th (so the period beats the previous one by 20).
INSERT INTO xetl.follower_samples (account_id, sampled_at, followers_count, source)
SELECT 1, ts, 1000 + (extract(epoch FROM ts - '2026-11-10'::timestamptz) / 3600)::int
          + CASE WHEN ts >= '2026-11-20' THEN 20 ELSE 0 END, 'api'
  FROM generate_series('2026-11-10T00:00Z'::timestamptz, '2026-11-25T00:00Z', interval '12 hours') ts;

INSERT INTO xetl.daily_follows (account_id, day, new_follows, unfollows, source_file) VALUES
  (1, '2026-11-18', 30, 6, 'overview.csv'), (1, '2026-11-19', 28, 4, 'overview.csv');

-- Posts: six in the period (19-digit ids: Excel would round them), two before.
INSERT INTO xetl.posts (tweet_id, account_id, decision_id, kind, posted_at, text, content_type_id,
                        content_type_name, viral_formula, hook_used, origin, status, first_seen_at) VALUES
  ('1860000000000000001', 1, xetl.derived_decision_id('1860000000000000001'), 'post', '2026-11-18T09:15Z',
   'Three charts that explain, in one minute, why "growth" stalls', 'ct1', 'data_story', 'contrarian', 'question', 'bot', 'active', '2026-11-18T09:15Z'),
  ('1860000000000000002', 1, xetl.derived_decision_id('1860000000000000002'), 'thread', '2026-11-19T14:00Z',
   E'A thread on pricing\nline two, with a comma', 'ct2', 'thread', 'listicle', 'number', 'bot', 'active', '2026-11-19T14:00Z'),
  ('1860000000000000003', 1, xetl.derived_decision_id('1860000000000000003'), 'post', '2026-11-20T09:40Z',
   'Café naïve résumé — UTF-8 ✓', 'ct1', 'data_story', 'story', 'question', 'bot', 'active', '2026-11-20T09:40Z'),
  ('1860000000000000004', 1, xetl.derived_decision_id('1860000000000000004'), 'reply', '2026-11-21T18:05Z',
   'Agreed, and here is why', 'ct3', 'hot_take', 'contrarian', 'bold_claim', 'bot', 'active', '2026-11-21T18:05Z'),
  ('1860000000000000005', 1, xetl.derived_decision_id('1860000000000000005'), 'post', '2026-11-23T09:00Z',
   'Monday metrics', 'ct2', 'thread', 'listicle', 'number', 'timeline', 'active', '2026-11-23T09:00Z'),
  ('1860000000000000006', 1, xetl.derived_decision_id('1860000000000000006'), 'post', '2026-11-24T23:59:59Z',
   NULL, NULL, NULL, NULL, NULL, 'import', 'deleted', '2026-11-24T23:59:59Z'),
  ('1859000000000000001', 1, xetl.derived_decision_id('1859000000000000001'), 'post', '2026-11-12T10:00Z',
   'Last week one', 'ct1', 'data_story', 'contrarian', 'question', 'bot', 'active', '2026-11-12T10:00Z'),
  ('1859000000000000002', 1, xetl.derived_decision_id('1859000000000000002'), 'post', '2026-11-16T10:00Z',
   'Last week two', 'ct3', 'hot_take', 'story', 'bold_claim', 'bot', 'active', '2026-11-16T10:00Z'),
  -- Outside both periods: must not appear.
  ('1861000000000000001', 1, xetl.derived_decision_id('1861000000000000001'), 'post', '2026-11-25T01:00Z',
   'Too new', 'ct1', 'data_story', 'contrarian', 'question', 'bot', 'active', '2026-11-25T01:00Z');

INSERT INTO tweet_analytics_comprehensive (account_id, decision_id, tweet_id, posted_at, likes, retweets, replies,
       quotes, bookmarks, impressions, content_type, viral_formula, hook_used, half_life_minutes,
       predicted_likes, prediction_accuracy, followers_gained, analytics_metadata, last_scraped_at)
SELECT 1, p.decision_id, p.tweet_id, p.posted_at, v.likes, v.rts, v.replies, v.quotes, v.bm, v.impr,
       p.content_type_name, p.viral_formula, p.hook_used, v.hl, v.pred, v.acc, v.fg,
       CASE WHEN v.a IS NOT NULL THEN jsonb_build_object('decay', jsonb_build_object('likes',
            jsonb_build_object('model', 'lomax', 'A', v.a, 'c_h', v.c, 'theta', v.th, 'method', 'lomax',
                               'n_points', 4))) END,
       '2026-11-25T06:00Z'
  FROM xetl.posts p JOIN (VALUES
    ('1860000000000000001', 120, 14, 9, 2, 11, 4800, 95, 130, 0.9167, 6, 300.0, 2.0, 0.35),
    ('1860000000000000002', 60, 5, 3, 0, 4, 2500, 80, 66, 0.9000, 3, 150.0, 1.5, 0.30),
    ('1860000000000000003', 200, 30, 12, 5, 20, 9100, 70, 190, NULL, 9, 520.0, 3.0, 0.25),
    ('1860000000000000004', 8, 0, 1, 0, 0, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL),
    ('1860000000000000005', 45, 2, 2, 1, 3, 1500, 110, 50, NULL, 1, 90.0, 'NaN'::float8, 0.3),
    ('1859000000000000001', 90, 10, 5, 1, 6, 4000, 90, 100, 0.9000, 5, NULL, NULL, NULL),
    ('1859000000000000002', 30, 1, 2, 0, 1, 2000, 60, 35, 0.8571, 1, NULL, NULL, NULL),
    ('1861000000000000001', 999, 99, 99, 9, 99, 99999, 10, 999, NULL, 99, 999.0, 1.0, 0.5)
  ) v(tweet_id, likes, rts, replies, quotes, bm, impr, hl, pred, acc, fg, a, c, th) ON v.tweet_id = p.tweet_id;

INSERT INTO follower_attributions (account_id, decision_id, tweet_id, followers_before, followers_after,
       followers_gained, confidence_score, attribution_method, measured_at, time_window_hours,
       follower_retention_rate)
SELECT 1, p.decision_id, p.tweet_id, v.fb, v.fa, v.fg, v.conf, v.m, p.posted_at + v.w * interval '1 hour', v.w, v.ret
  FROM xetl.posts p JOIN (VALUES
    ('1860000000000000001', 1, 1194, 1196, 1, 0.4200, 'exposure_regression', NULL),
    ('1860000000000000001', 24, 1194, 1218, 5, 0.5500, 'exposure_regression', NULL),
    ('1860000000000000001', 168, 1194, 1362, 6, 0.6100, 'exposure_regression', 0.9500),
    ('1860000000000000002', 168, 1228, 1396, 3, 0.4000, 'exposure_regression', NULL),
    ('1860000000000000003', 168, 1243, 1411, 9, 1.0000, 'platform_reported', NULL),
    ('1860000000000000004', 168, 1284, 1452, 0, 0.1000, 'exposure_regression', NULL),
    ('1860000000000000005', 168, 1322, 1490, 1, 0.2000, 'exposure_regression', NULL),
    ('1859000000000000001', 168, 1058, 1226, 5, 0.5000, 'exposure_regression', NULL),
    ('1859000000000000002', 168, 1154, 1322, 1, 0.3000, 'exposure_regression', NULL)
  ) v(tweet_id, w, fb, fa, fg, conf, m, ret) ON v.tweet_id = p.tweet_id;

-- Fit's scored 7-day predictions.  The two posts of the 12th and 16th complete
-- their seventh day inside the period; the 18th's does not (not counted), nor
-- an impressions prediction or an unscored one.
INSERT INTO xetl.predictions (tweet_id, metric, as_of, account_id, age_hours, n_points, method, predicted_7d,
       actual_7d, ape) VALUES
  ('1859000000000000001', 'likes', '2026-11-12T11:00Z', 1, 1, 1, 'lomax', 108, 90, 0.20),
  ('1859000000000000001', 'likes', '2026-11-12T13:00Z', 1, 3, 2, 'lomax', 99, 90, 0.10),
  ('1859000000000000001', 'likes', '2026-11-13T06:00Z', 1, 20, 3, 'lomax', 94.5, 90, 0.05),
  ('1859000000000000002', 'likes', '2026-11-16T12:00Z', 1, 2, 1, 'lomax', 39, 30, 0.30),
  ('1859000000000000002', 'likes', '2026-11-17T16:00Z', 1, 30, 4, 'lomax', 30.6, 30, 0.02),
  ('1859000000000000002', 'impressions', '2026-11-17T16:00Z', 1, 30, 4, 'lomax', 1800, 2000, 0.10),
  ('1859000000000000002', 'likes', '2026-11-18T16:00Z', 1, 54, 5, 'lomax', 30, NULL, NULL),
  ('1860000000000000001', 'likes', '2026-11-18T10:15Z', 1, 1, 1, 'lomax', 130, 119, 0.0924),
  ('1860000000000000002', 'likes', '2026-11-19T15:00Z', 1, 1, 1, 'lomax', 66, 59, 0.1186);

-- Health's rows as etl/health.c writes them: one 'daily' row per day, the
-- money in its columns (daily_api_cost_usd = X API + LLM) and the total with
-- infrastructure in metrics_snapshot.cost.total_usd; success rates from the 18th.
INSERT INTO system_health_metrics (account_id, day, metric_type, posting_success_rate, api_success_rate,
       daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot, measured_at)
SELECT 1, d::date, 'daily',
       CASE WHEN d >= '2026-11-18' THEN 0.9500 END, CASE WHEN d >= '2026-11-18' THEN 0.9900 END,
       1.20, 1.50 / 24, (24 * 0.25 - 1.50) / 1.50,
       '{"cost": {"total_usd": 1.5, "complete": true, "configured": true}}', '2026-11-25T06:00Z'
  FROM generate_series('2026-11-11'::timestamptz, '2026-11-24', interval '1 day') d;

INSERT INTO content_type_performance (account_id, content_type_id, content_type_name, posts_count,
       avg_followers_per_post, avg_engagement_rate, thompson_alpha, thompson_beta, selection_score) VALUES
  (1, 'ct1', 'data_story', 12, 6.5, 0.0312, 14.2, 3.1, 0.7100),
  (1, 'ct2', 'thread', 9, 3.0, 0.0250, 8.0, 4.0, 0.2200),
  (1, 'ct3', 'hot_take', 4, 0.5, 0.0100, 2.1, 5.0, 0.0700),
  (1, 'ct4', 'meme', 2, 0.0, 0.0050, 1.0, 3.0, NULL);
INSERT INTO formula_performance (account_id, formula_name, posts_count, avg_followers_per_post,
       avg_engagement_rate, thompson_alpha, thompson_beta, selection_score) VALUES
  (1, 'contrarian', 10, 4.0, 0.0300, 9.0, 3.0, 0.5000),
  (1, 'listicle', 8, 3.5, 0.0280, 7.0, 3.5, 0.3000),
  (1, 'story', 7, 2.0, 0.0200, 5.0, 4.0, 0.1500),
  (1, 'how_to', 3, 1.0, 0.0150, 2.0, 3.0, 0.0400),
  (1, 'question_bait', 2, 0.5, 0.0100, 1.5, 3.0, 0.0100);
-- Hooks: learning has not run for them (an empty section says no data).
