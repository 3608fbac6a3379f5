-- Health: per UTC day of publication ($1 account, [$2, $3) the days), the mean
-- engagement rate of the posts published that day (xetl.engagement_rate of
-- each post's latest counters), how many had one, and their impressions.
SELECT to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, avg(r.er) AS avg_er,
       count(r.er) AS n_er, sum(t.impressions) AS impressions
  FROM xetl.posts p
  JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id
 CROSS JOIN LATERAL (SELECT xetl.engagement_rate(t.likes, t.retweets, t.replies, t.impressions) AS er) r
 WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3
 GROUP BY 1
