-- fit: the derived columns and the "decay" key of analytics_metadata (other
-- keys kept) of each post in fit_out, only where they differ (an unchanged fit
-- rewrites no row; a scored post's predicted_likes and score are score_posts'
-- to keep); RETURNING counts changed rows on Citus too.
-- $1 account_id.
INSERT INTO tweet_analytics_comprehensive AS t (decision_id, tweet_id, account_id, posted_at,
       predicted_likes, predicted_engagement_rate, half_life_minutes, engagement_decay_rate,
       longevity_score, time_to_peak_minutes, peak_engagement_at, analytics_metadata)
SELECT p.decision_id, o.tweet_id, p.account_id, p.posted_at, o.predicted_likes,
       o.predicted_er, o.half_life_minutes, o.decay_rate, o.longevity, o.ttp_minutes,
       to_timestamp(o.peak_at_epoch), o.meta
  FROM fit_out o JOIN xetl.posts p ON p.tweet_id = o.tweet_id AND p.account_id = $1
    ON CONFLICT (account_id, tweet_id) DO UPDATE SET
       predicted_likes = EXCLUDED.predicted_likes,
       predicted_engagement_rate = EXCLUDED.predicted_engagement_rate,
       half_life_minutes = EXCLUDED.half_life_minutes,
       engagement_decay_rate = EXCLUDED.engagement_decay_rate,
       longevity_score = EXCLUDED.longevity_score,
       time_to_peak_minutes = EXCLUDED.time_to_peak_minutes,
       peak_engagement_at = EXCLUDED.peak_engagement_at,
       prediction_error = NULL, prediction_accuracy = NULL,
       analytics_metadata = coalesce(t.analytics_metadata, '{}'::jsonb) || EXCLUDED.analytics_metadata,
       updated_at = EXCLUDED.updated_at
 WHERE (t.predicted_engagement_rate, t.half_life_minutes, t.engagement_decay_rate, t.longevity_score,
        t.time_to_peak_minutes, t.peak_engagement_at)
       IS DISTINCT FROM (EXCLUDED.predicted_engagement_rate, EXCLUDED.half_life_minutes,
                         EXCLUDED.engagement_decay_rate, EXCLUDED.longevity_score,
                         EXCLUDED.time_to_peak_minutes, EXCLUDED.peak_engagement_at)
    OR (t.prediction_error IS NULL AND t.prediction_accuracy IS NULL
        AND t.predicted_likes IS DISTINCT FROM EXCLUDED.predicted_likes)
    OR t.analytics_metadata->'decay' IS DISTINCT FROM EXCLUDED.analytics_metadata->'decay'
RETURNING 1
