-- 0190 shared_metrics: the definitions every stage and report uses, written
-- once (docs/metrics.md): a post's engagement rate, the follower count at a
-- time (so "followers at the end of day D" is one thing), and a post's 7-day
-- window.  Pure functions of their arguments or of one account's rows, so a
-- statement that uses them still runs where the account's rows are.

-- Engagement rate: (likes + retweets + replies) / impressions.  A counter
-- that was not reported counts as none; no rate (NULL) unless impressions > 0.
-- Over several posts pass the sums: engagement_rate(sum(likes), sum(retweets),
-- sum(replies), sum(impressions)) is the rate of all their impressions.
CREATE FUNCTION xetl.engagement_rate(likes numeric, retweets numeric, replies numeric, impressions numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE WHEN impressions > 0
                THEN (coalesce(likes, 0) + coalesce(retweets, 0) + coalesce(replies, 0)) / impressions END
$fn$;

-- The account's last follower sample at or before t (ties: the source, in "C"
-- order); no row when none.  Followers at the end of day D are
-- follower_sample_at(account, D + 1 day): a sample taken at exactly midnight
-- closes the day before.
CREATE FUNCTION xetl.follower_sample_at(account bigint, t timestamptz)
RETURNS TABLE (sampled_at timestamptz, followers_count integer)
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
    SELECT s.sampled_at, s.followers_count FROM xetl.follower_samples s
     WHERE s.account_id = account AND s.sampled_at <= t
     ORDER BY s.sampled_at DESC, s.source COLLATE "C" LIMIT 1
$fn$;

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
