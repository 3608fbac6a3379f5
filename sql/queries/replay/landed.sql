-- The as-ofs at which account $1 landed successful X API responses in
-- [$2, $3), oldest first: rerun re-derives the typed rows of each.
SELECT DISTINCT extract(epoch FROM as_of)::bigint AS as_of
  FROM xetl.raw_responses
 WHERE account_id = $1 AND as_of >= $2 AND as_of < $3 AND http_status BETWEEN 200 AND 299
 ORDER BY 1
