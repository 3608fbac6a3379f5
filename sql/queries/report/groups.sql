-- Report: one group table (content types, formulas or hooks: $4 =
-- 'content_type', 'formula' or 'hook') of account $1 for posts published in
-- [$2, $3), beside what learn knows of each arm (xetl.arm_performance).
WITH per AS (
  SELECT coalesce(CASE $4::text WHEN 'content_type' THEN coalesce(nullif(p.content_type_name, ''), nullif(t.content_type, ''))
                                WHEN 'formula' THEN coalesce(nullif(p.viral_formula, ''), nullif(t.viral_formula, ''))
                                ELSE coalesce(nullif(p.hook_used, ''), nullif(t.hook_used, '')) END,
                  '(none)') AS name,
         count(*) AS posts,
         sum(coalesce(t.impressions, 0)) AS impressions,
         sum(t.likes) AS likes, sum(t.retweets) AS retweets, sum(t.replies) AS replies,
         sum(fa.followers_gained) AS followers, count(fa.followers_gained) AS n_attr
    FROM xetl.posts p
    LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
    LEFT JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id
          AND fa.time_window_hours = xetl.window_7d_hours()
   WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
   GROUP BY 1),
learn AS (
  SELECT name, posts_count, avg_followers_per_post, avg_engagement_rate, thompson_alpha, thompson_beta,
         selection_score
    FROM xetl.arm_performance WHERE account_id = $1 AND dim = $4::text)
SELECT coalesce(per.name, learn.name) AS name, per.posts, per.impressions,
       round(xetl.engagement_rate(per.likes, per.retweets, per.replies, per.impressions), 6) AS engagement_rate,
       per.followers,
       round(CASE WHEN per.n_attr > 0 THEN per.followers::numeric / per.n_attr END, 2) AS followers_per_post,
       learn.posts_count, round(learn.avg_followers_per_post, 2) AS learned_followers_per_post,
       round(learn.avg_engagement_rate, 6) AS learned_engagement_rate, round(learn.thompson_alpha, 4) AS alpha,
       round(learn.thompson_beta, 4) AS beta, round(learn.selection_score, 4) AS selection_score
  FROM per FULL JOIN learn ON learn.name = per.name
 ORDER BY learn.selection_score DESC NULLS LAST, per.posts DESC NULLS LAST,
          coalesce(per.name, learn.name) COLLATE "C"
