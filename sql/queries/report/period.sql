-- Report: the posts of account $1 published in [$2, $3), joined once with
-- their latest analytics, the 7-day likes their prediction was scored
-- against, their 7-day attribution and their fitted likes curve (when A, c_h
-- and theta are numbers), into the temporary table report_period, dropped at
-- commit.  The Posts table, its counts, the group tables, the daily posts,
-- the curves and the Attribution table read it instead of each joining the
-- period's posts again.
CREATE TEMP TABLE report_period ON COMMIT DROP AS
SELECT p.tweet_id, p.posted_at, p.kind, p.status, p.text,
       coalesce(nullif(p.content_type_name, ''), t.content_type) AS content_type,
       coalesce(nullif(p.viral_formula, ''), t.viral_formula) AS formula,
       coalesce(nullif(p.hook_used, ''), t.hook_used) AS hook,
       t.impressions, t.likes, t.retweets, t.replies, t.quotes, t.bookmarks, t.half_life_minutes,
       t.predicted_likes, t.prediction_accuracy, pa.actual_7d,
       fa.followers_gained, fa.confidence_score, fa.attribution_method,
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
  LEFT JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id
        AND fa.time_window_hours = xetl.window_7d_hours()
 WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
