-- Whether account $1 is the one account with bot_content (then the bot's rows
-- whose tweet no account tracks are its own: content_untracked.sql).
SELECT coalesce($1::bigint = (SELECT min(account_id) FROM xetl.accounts WHERE bot_content HAVING count(*) = 1),
                false) AS sole
