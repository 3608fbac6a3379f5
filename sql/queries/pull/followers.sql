-- One follower sample (source 'api') of account $1 at $2: followers $3, following $4,
-- tweets $5, listed $6, from landed response $7.  An unchanged sample is not rewritten.
INSERT INTO xetl.follower_samples AS f (account_id, sampled_at, followers_count, following_count, tweet_count,
                                        listed_count, source, raw_response_id)
VALUES ($1, $2, $3, $4, $5, $6, 'api', $7)
ON CONFLICT (account_id, sampled_at, source) DO UPDATE SET
    followers_count = EXCLUDED.followers_count, following_count = EXCLUDED.following_count,
    tweet_count = EXCLUDED.tweet_count, listed_count = EXCLUDED.listed_count,
    raw_response_id = EXCLUDED.raw_response_id
WHERE (f.followers_count, f.following_count, f.tweet_count, f.listed_count)
      IS DISTINCT FROM (EXCLUDED.followers_count, EXCLUDED.following_count, EXCLUDED.tweet_count,
                        EXCLUDED.listed_count)
