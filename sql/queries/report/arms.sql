-- Report: the scored arms of account $1's component $2 ('content_type',
-- 'formula' or 'hook'), best first: name, score, posts, followers per post.
-- Exploratory arms (too little evidence) are never listed (docs/learning.md).
SELECT name, round(selection_score, 4) AS score, posts_count, round(avg_followers_per_post, 2) AS followers_per_post
  FROM xetl.arm_performance
 WHERE account_id = $1 AND dim = $2::text AND selection_score IS NOT NULL AND exploratory IS NOT TRUE
 ORDER BY selection_score DESC, name COLLATE "C"
