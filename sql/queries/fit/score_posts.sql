-- fit: the post's score at decision time: the forecast available when the
-- post was 24 h old (the latest made at an age <= 24 h; for a post first seen
-- later, the first one made), against the observed 7-day likes; only rows
-- whose score differs (as stored: numeric(10,4)) are written.  $1 account_id, $2 as-of.
UPDATE tweet_analytics_comprehensive t SET
       predicted_likes = CASE WHEN x.predicted_7d < 2e9 THEN round(x.predicted_7d)::integer END,
       prediction_error = abs(round(x.predicted_7d) - x.actual_7d),
       prediction_accuracy = (least(round(x.predicted_7d), x.actual_7d) + 1)
                           / (greatest(round(x.predicted_7d), x.actual_7d) + 1),
       updated_at = now()
  FROM (SELECT DISTINCT ON (tweet_id) account_id, tweet_id, predicted_7d, actual_7d
          FROM xetl.predictions
         WHERE metric = 'likes' AND account_id = $1 AND as_of <= $2::timestamptz
           AND actual_7d IS NOT NULL
         ORDER BY tweet_id, age_hours > 24,
                  CASE WHEN age_hours <= 24 THEN -age_hours ELSE age_hours END, as_of) x
 WHERE t.account_id = x.account_id AND t.tweet_id = x.tweet_id
   AND (t.predicted_likes, t.prediction_error, t.prediction_accuracy)
       IS DISTINCT FROM (CASE WHEN x.predicted_7d < 2e9 THEN round(x.predicted_7d)::integer END,
                         abs(round(x.predicted_7d) - x.actual_7d)::numeric(10,4),
                         ((least(round(x.predicted_7d), x.actual_7d) + 1)
                          / (greatest(round(x.predicted_7d), x.actual_7d) + 1))::numeric(10,4))
