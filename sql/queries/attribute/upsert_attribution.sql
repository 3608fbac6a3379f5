-- attribute: the windows in attr_fa into follower_attributions; a row whose
-- values are all unchanged (a rerun with the same as-of) is not rewritten.
-- $1 account_id, $2 measured_at (the as-of).
INSERT INTO follower_attributions AS f (decision_id, tweet_id, account_id, followers_before,
       followers_after, followers_gained, confidence_score, attribution_method, measured_at,
       time_window_hours, follower_retention_rate, attribution_metadata, followers_credited)
SELECT decision_id, tweet_id, $1, followers_before::integer, followers_after::integer, followers_gained,
       confidence_score, attribution_method, $2, time_window_hours, follower_retention_rate,
       attribution_metadata, followers_credited
  FROM attr_fa
    ON CONFLICT (account_id, tweet_id, time_window_hours) DO UPDATE SET
       decision_id = EXCLUDED.decision_id,
       followers_before = EXCLUDED.followers_before, followers_after = EXCLUDED.followers_after,
       followers_gained = EXCLUDED.followers_gained, confidence_score = EXCLUDED.confidence_score,
       attribution_method = EXCLUDED.attribution_method, measured_at = EXCLUDED.measured_at,
       follower_retention_rate = EXCLUDED.follower_retention_rate,
       attribution_metadata = EXCLUDED.attribution_metadata,
       followers_credited = EXCLUDED.followers_credited
 WHERE (f.decision_id, f.followers_before, f.followers_after, f.followers_gained, f.confidence_score,
        f.attribution_method, f.measured_at, f.follower_retention_rate, f.attribution_metadata,
        f.followers_credited)
       IS DISTINCT FROM (EXCLUDED.decision_id, EXCLUDED.followers_before, EXCLUDED.followers_after,
                         EXCLUDED.followers_gained, EXCLUDED.confidence_score, EXCLUDED.attribution_method,
                         EXCLUDED.measured_at, EXCLUDED.follower_retention_rate,
                         EXCLUDED.attribution_metadata, EXCLUDED.followers_credited)
