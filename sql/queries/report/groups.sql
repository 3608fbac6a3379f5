-- Report: the three group tables (dim = 'content_type', 'formula', 'hook')
-- of account $1 in one pass over the period's posts (report_period,
-- report/period), beside what learn knows of each arm
-- (xetl.arm_performance); ordered by dim, then each table's own order.
WITH k AS (
  SELECT nullif(content_type, '') AS content_type, nullif(formula, '') AS formula, nullif(hook, '') AS hook,
         coalesce(impressions, 0) AS impressions, likes, retweets, replies, followers_gained
    FROM pg_temp.report_period),
per AS (
  SELECT CASE WHEN grouping(k.content_type) = 0 THEN 'content_type'
              WHEN grouping(k.formula) = 0 THEN 'formula' ELSE 'hook' END AS dim,
         coalesce(k.content_type, k.formula, k.hook, '(none)') AS name, count(*) AS posts,
         sum(k.impressions) AS impressions, sum(k.likes) AS likes, sum(k.retweets) AS retweets,
         sum(k.replies) AS replies, sum(k.followers_gained) AS followers, count(k.followers_gained) AS n_attr
    FROM k GROUP BY GROUPING SETS ((k.content_type), (k.formula), (k.hook))),
learn AS (
  SELECT dim, name, posts_count, avg_followers_per_post, avg_engagement_rate, thompson_alpha, thompson_beta,
         selection_score
    FROM xetl.arm_performance WHERE account_id = $1)
SELECT coalesce(per.dim, learn.dim) AS dim, coalesce(per.name, learn.name) AS name, per.posts, per.impressions,
       round(xetl.engagement_rate(per.likes, per.retweets, per.replies, per.impressions), 6) AS engagement_rate,
       per.followers,
       round(CASE WHEN per.n_attr > 0 THEN per.followers::numeric / per.n_attr END, 2) AS followers_per_post,
       learn.posts_count, round(learn.avg_followers_per_post, 2) AS learned_followers_per_post,
       round(learn.avg_engagement_rate, 6) AS learned_engagement_rate, round(learn.thompson_alpha, 4) AS alpha,
       round(learn.thompson_beta, 4) AS beta, round(learn.selection_score, 4) AS selection_score
  FROM per FULL JOIN learn ON learn.dim = per.dim AND learn.name = per.name
 ORDER BY coalesce(per.dim, learn.dim) COLLATE "C", learn.selection_score DESC NULLS LAST, per.posts DESC NULLS LAST,
          coalesce(per.name, learn.name) COLLATE "C"
