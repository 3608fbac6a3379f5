-- fit: scores every prediction made up to this as-of once the 7-day value
-- (fit_actual, every loaded post: scoring reaches past the range) is known.
-- $1 account_id, $2 as-of.
UPDATE xetl.predictions x SET actual_7d = f.actual,
       ape = CASE WHEN f.actual > 0 THEN abs(x.predicted_7d - f.actual) / f.actual END,
       log_ratio = ln((x.predicted_7d + 1) / (f.actual + 1))
  FROM fit_actual f
 WHERE x.tweet_id = f.tweet_id AND x.metric = f.metric AND x.account_id = $1
   AND x.as_of <= $2::timestamptz
