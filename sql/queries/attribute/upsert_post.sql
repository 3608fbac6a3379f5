-- attribute: the 168 h attribution's followers of each post in attr_tac into
-- its tweet_analytics_comprehensive row (changed values only).  $1 account_id.
INSERT INTO tweet_analytics_comprehensive AS t (decision_id, tweet_id, account_id, posted_at,
       followers_before, followers_after, followers_gained, follows_from_tweet)
SELECT decision_id, tweet_id, $1, posted_at, followers_before::integer, followers_after::integer,
       followers_gained, follows_from_tweet
  FROM attr_tac
    ON CONFLICT (account_id, tweet_id) DO UPDATE SET
       followers_before = EXCLUDED.followers_before, followers_after = EXCLUDED.followers_after,
       followers_gained = EXCLUDED.followers_gained,
       follows_from_tweet = EXCLUDED.follows_from_tweet,
       updated_at = EXCLUDED.updated_at
 WHERE (t.followers_before, t.followers_after, t.followers_gained, t.follows_from_tweet)
       IS DISTINCT FROM (EXCLUDED.followers_before, EXCLUDED.followers_after,
                         EXCLUDED.followers_gained, EXCLUDED.follows_from_tweet)
