-- 0070 unknown_is_not_zero: a post that has not been attributed yet, or whose
-- follows X never reported, is not a post that gained 0 followers.  The
-- seed's DEFAULT 0 made the two indistinguishable (1,900 of the demo's 3,000
-- posts showed "0 followers gained" with no attribution behind it).  Existing
-- rows are left as they are.
ALTER TABLE tweet_analytics_comprehensive
    ALTER COLUMN followers_gained DROP DEFAULT,
    ALTER COLUMN follows_from_tweet DROP DEFAULT;
