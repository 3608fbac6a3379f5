-- 0190 shared_metrics: the definitions every stage and report uses, written
-- once (docs/metrics.md): a post's engagement rate, the end of a day (so
-- "followers at the end of day D" is one thing), a post's 7-day window, and
-- the learned arms in one shape.  The functions are pure functions of their
-- arguments, so a statement that uses them still runs where the account's
-- rows are.

-- Engagement rate: (likes + retweets + replies) / impressions.  A counter
-- that was not reported counts as none; no rate (NULL) unless impressions > 0.
-- Over several posts pass the sums: engagement_rate(sum(likes), sum(retweets),
-- sum(replies), sum(impressions)) is the rate of all their impressions.
CREATE FUNCTION xetl.engagement_rate(likes numeric, retweets numeric, replies numeric, impressions numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE WHEN impressions > 0
                THEN (coalesce(likes, 0) + coalesce(retweets, 0) + coalesce(replies, 0)) / impressions END
$fn$;

-- The end of UTC day D, the time "followers at the end of day D" is read at:
-- the account's last follower sample at or before day_end(D) (ties: the
-- source, in "C" order).  A sample taken at exactly midnight closes the day
-- before.  A function of the day only (no table): Citus cannot plan a
-- parameterized statement through a SQL function that reads a distributed table.
CREATE FUNCTION xetl.day_end(day date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT (day + 1)::timestamp AT TIME ZONE 'UTC' $fn$;

-- A post's 7-day window: its follower attribution row of 168 hours, and the
-- time its seventh day ends (168 h, not "7 days": the same in every time zone).
CREATE FUNCTION xetl.window_7d_hours() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT 168 $fn$;

CREATE FUNCTION xetl.window_7d_end(posted_at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT posted_at + interval '168 hours' $fn$;

-- The learned arms of the three components in one shape (dim 'content_type',
-- 'formula' or 'hook'), so the reports rank them with one statement.
CREATE VIEW xetl.arm_performance AS
SELECT 'content_type'::text AS dim, account_id, content_type_name AS name, posts_count, avg_followers_per_post,
       avg_engagement_rate, thompson_alpha, thompson_beta, selection_score, exploratory
  FROM content_type_performance
UNION ALL
SELECT 'formula', account_id, formula_name, posts_count, avg_followers_per_post,
       avg_engagement_rate, thompson_alpha, thompson_beta, selection_score, exploratory
  FROM formula_performance
UNION ALL
SELECT 'hook', account_id, hook_used, posts_count, avg_followers_per_post,
       avg_engagement_rate, thompson_alpha, thompson_beta, selection_score, exploratory
  FROM hook_performance;
