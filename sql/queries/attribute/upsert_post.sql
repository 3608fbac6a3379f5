-- attribute: the 168 h attribution's followers into the post's row (changed values only).
-- $1 decision_id, $2 tweet_id, $3 account_id, $4 posted_at, $5 followers_before,
-- $6 followers_after, $7 followers_gained, $8 follows_from_tweet (X's own count).
INSERT INTO tweet_analytics_comprehensive (decision_id, tweet_id, account_id, posted_at,
       followers_before, followers_after, followers_gained, follows_from_tweet)
VALUES ($1::uuid, $2, $3, $4, $5::numeric::integer, $6::numeric::integer, $7, $8::integer)
    ON CONFLICT (account_id, tweet_id) DO UPDATE SET
       followers_before = EXCLUDED.followers_before, followers_after = EXCLUDED.followers_after,
       followers_gained = EXCLUDED.followers_gained,
       follows_from_tweet = EXCLUDED.follows_from_tweet,
       updated_at = EXCLUDED.updated_at
 WHERE (tweet_analytics_comprehensive.followers_before, tweet_analytics_comprehensive.followers_after,
        tweet_analytics_comprehensive.followers_gained, tweet_analytics_comprehensive.follows_from_tweet)
       IS DISTINCT FROM (EXCLUDED.followers_before, EXCLUDED.followers_after,
                         EXCLUDED.followers_gained, EXCLUDED.follows_from_tweet)
