-- The stages of run $1 in the order they ran, as `xetl runs --run` prints them.
SELECT s.stage, coalesce(a.handle, '-') AS account, s.status,
       to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS started,
       coalesce(round(extract(epoch FROM s.finished_at - s.started_at)::numeric, 1)::text, '-') AS seconds,
       s.counts::text AS counts, coalesce(s.error, '') AS error
  FROM xetl.run_stages s
  LEFT JOIN xetl.accounts a USING (account_id)
 WHERE s.run_id = $1::bigint
 ORDER BY s.stage_id
