-- attribute: one post's attribution over one window.
-- $1 decision_id, $2 tweet_id, $3 account_id, $4 followers_before, $5 followers_after,
-- $6 followers_gained, $7 confidence_score, $8 attribution_method, $9 measured_at,
-- $10 time_window_hours, $11 follower_retention_rate, $12 attribution_metadata, $13 followers_credited.
INSERT INTO follower_attributions (decision_id, tweet_id, account_id, followers_before,
       followers_after, followers_gained, confidence_score, attribution_method, measured_at,
       time_window_hours, follower_retention_rate, attribution_metadata, followers_credited)
VALUES ($1::uuid, $2, $3, $4::numeric::integer, $5::numeric::integer, $6, $7, $8, $9, $10,
        $11, $12::jsonb, $13)
    ON CONFLICT (account_id, tweet_id, time_window_hours) DO UPDATE SET
       decision_id = EXCLUDED.decision_id,
       followers_before = EXCLUDED.followers_before, followers_after = EXCLUDED.followers_after,
       followers_gained = EXCLUDED.followers_gained, confidence_score = EXCLUDED.confidence_score,
       attribution_method = EXCLUDED.attribution_method, measured_at = EXCLUDED.measured_at,
       follower_retention_rate = EXCLUDED.follower_retention_rate,
       attribution_metadata = EXCLUDED.attribution_metadata,
       followers_credited = EXCLUDED.followers_credited
