-- Learn: the previous cycle of account $1's component $2 (the latest
-- learning_updates row before the as-of $3): its arms' scores and its as-of.
SELECT updates_applied::text AS applied,
       to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS as_of
  FROM learning_updates
 WHERE account_id = $1 AND component = $2 AND as_of < $3
 ORDER BY as_of DESC LIMIT 1
