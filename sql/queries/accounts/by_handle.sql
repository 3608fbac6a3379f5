-- The account with handle $1 (any case, without '@').
SELECT account_id, handle, x_user_id, active, bot_content
  FROM xetl.accounts
 WHERE lower(handle) = lower($1)
