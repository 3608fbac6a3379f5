-- Lands one attempt in xetl.raw_responses, the body hex-encoded in $12; returns its id.
-- $1 account, $2 run (or NULL), $3 as-of, $4 endpoint label, $5 path and query,
-- $6 attempt, $7 http status, $8 duration ms, $9 error (NULL: success),
-- $10 x-rate-limit-remaining, $11 x-rate-limit-reset.
INSERT INTO xetl.raw_responses (account_id, run_id, as_of, requested_at, endpoint, request_path, attempt,
                                http_status, duration_ms, error, rate_limit_remaining, rate_limit_reset, body)
VALUES ($1, $2, $3, clock_timestamp(), $4, $5, $6, $7, $8, $9, $10, $11, decode($12, 'hex'))
RETURNING response_id
