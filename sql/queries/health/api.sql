-- Health: the account's X API requests per UTC day of the run's as-of (not
-- the wall clock they were made at); $1 account, [$2, $3) the days.  All,
-- 2xx, 429 and no response (status 0).
SELECT to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS req,
       count(*) FILTER (WHERE http_status BETWEEN 200 AND 299) AS req_ok,
       count(*) FILTER (WHERE http_status = 429) AS req_429,
       count(*) FILTER (WHERE http_status = 0) AS req_none
  FROM xetl.raw_responses
 WHERE account_id = $1 AND as_of >= $2 AND as_of < $3
 GROUP BY 1
