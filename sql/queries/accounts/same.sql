-- The account with handle $1 (any case) and X user id $2: a rerun of provisioning.
SELECT account_id, handle, x_user_id, active, bot_content
  FROM xetl.accounts
 WHERE lower(handle) = lower($1) AND x_user_id = $2
