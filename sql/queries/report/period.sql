-- Report: the posts of account $1 published in [$2, $3), joined once with
-- their latest analytics, the 7-day likes their prediction was scored
-- against, their 7-day attribution, the values per column of all their
-- attribution windows (n_*: the Attribution table's counts) and their fitted
-- likes curve (when A, c_h and theta are numbers), into the temporary table
-- report_period (read as pg_temp.report_period), dropped at commit.  The
-- Posts table, its counts, the group tables, the daily posts, the curves and
-- the Attribution table read it instead of each joining the period's posts
-- again.
CREATE TEMP TABLE report_period ON COMMIT DROP AS
SELECT p.tweet_id, p.posted_at, p.kind, p.status, p.text,
       coalesce(nullif(p.content_type_name, ''), t.content_type) AS content_type,
       coalesce(nullif(p.viral_formula, ''), t.viral_formula) AS formula,
       coalesce(nullif(p.hook_used, ''), t.hook_used) AS hook,
       t.impressions, t.likes, t.retweets, t.replies, t.quotes, t.bookmarks, t.half_life_minutes,
       t.predicted_likes, t.prediction_accuracy, pa.actual_7d,
       fa.followers_gained, fa.confidence_score, fa.attribution_method, fa.n, fa.n_window, fa.n_before,
       fa.n_after, fa.n_gained, fa.n_confidence, fa.n_method, fa.n_retention,
       CASE WHEN jsonb_typeof(t.analytics_metadata #> '{decay,likes,A}') = 'number'
             AND jsonb_typeof(t.analytics_metadata #> '{decay,likes,c_h}') = 'number'
             AND jsonb_typeof(t.analytics_metadata #> '{decay,likes,theta}') = 'number'
            THEN t.analytics_metadata #> '{decay,likes}' END AS likes_curve
  FROM xetl.posts p
  LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
  LEFT JOIN LATERAL (SELECT x.actual_7d FROM xetl.predictions x
                      WHERE x.account_id = p.account_id AND x.tweet_id = p.tweet_id AND x.metric = 'likes'
                        AND x.actual_7d IS NOT NULL
                      ORDER BY x.as_of DESC LIMIT 1) pa ON true
  LEFT JOIN LATERAL (
       SELECT count(*) AS n, count(w.time_window_hours) AS n_window, count(w.followers_before) AS n_before,
              count(w.followers_after) AS n_after, count(w.followers_gained) AS n_gained,
              count(w.confidence_score) AS n_confidence, count(w.attribution_method) AS n_method,
              count(w.follower_retention_rate) AS n_retention,
              max(w.followers_gained) FILTER (WHERE w.time_window_hours = xetl.window_7d_hours()) AS followers_gained,
              max(w.confidence_score) FILTER (WHERE w.time_window_hours = xetl.window_7d_hours()) AS confidence_score,
              max(w.attribution_method) FILTER (WHERE w.time_window_hours = xetl.window_7d_hours()) AS attribution_method
         FROM follower_attributions w WHERE w.account_id = p.account_id AND w.tweet_id = p.tweet_id) fa ON true
 WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
