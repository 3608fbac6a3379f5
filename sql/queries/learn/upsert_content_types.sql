-- Learn: one arm's row of content_type_performance ($1 account, $2 content_type_id, $3 content_type_name, then the columns in order); a rerun replaces it.
INSERT INTO content_type_performance (
       account_id, content_type_id, content_type_name, posts_count, avg_likes, avg_retweets, avg_replies,
       avg_impressions, avg_engagement_rate, total_followers_gained, avg_followers_per_post,
       follower_conversion_rate, success_rate, viral_coefficient, thompson_alpha, thompson_beta,
       selection_score, last_used, evidence_weight, prior_alpha, prior_beta, posterior_mean, posterior_lo,
       posterior_hi, as_of, last_updated, exploratory)
VALUES (
       $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
       $23, $24, $25, $26, $27)
ON CONFLICT (account_id, content_type_id) DO UPDATE SET
       content_type_name = EXCLUDED.content_type_name, posts_count = EXCLUDED.posts_count,
       avg_likes = EXCLUDED.avg_likes, avg_retweets = EXCLUDED.avg_retweets,
       avg_replies = EXCLUDED.avg_replies, avg_impressions = EXCLUDED.avg_impressions,
       avg_engagement_rate = EXCLUDED.avg_engagement_rate,
       total_followers_gained = EXCLUDED.total_followers_gained,
       avg_followers_per_post = EXCLUDED.avg_followers_per_post,
       follower_conversion_rate = EXCLUDED.follower_conversion_rate, success_rate = EXCLUDED.success_rate,
       viral_coefficient = EXCLUDED.viral_coefficient, thompson_alpha = EXCLUDED.thompson_alpha,
       thompson_beta = EXCLUDED.thompson_beta, selection_score = EXCLUDED.selection_score,
       last_used = EXCLUDED.last_used, evidence_weight = EXCLUDED.evidence_weight,
       prior_alpha = EXCLUDED.prior_alpha, prior_beta = EXCLUDED.prior_beta,
       posterior_mean = EXCLUDED.posterior_mean, posterior_lo = EXCLUDED.posterior_lo,
       posterior_hi = EXCLUDED.posterior_hi, as_of = EXCLUDED.as_of, last_updated = EXCLUDED.last_updated,
       exploratory = EXCLUDED.exploratory
