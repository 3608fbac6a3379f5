-- Every active account, ordered by handle (the accounts a run covers by default).
SELECT account_id, handle, x_user_id, active, bot_content
  FROM xetl.accounts
 WHERE active
 ORDER BY lower(handle)
