-- The successful responses landed for account $1 at as-of $2, in landing order:
-- those of $3 (a bigint[] of response ids: this run's) or, $3 NULL, all of them (a replay).
SELECT response_id, endpoint, convert_from(body, 'UTF8') AS body
  FROM xetl.raw_responses
 WHERE account_id = $1 AND as_of = $2 AND http_status = 200 AND error IS NULL
   AND ($3::bigint[] IS NULL OR response_id = ANY ($3::bigint[]))
 ORDER BY response_id
