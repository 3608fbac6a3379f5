-- Registers an account: $1 handle (without '@'), $2 X user id, $3 bot_content.
-- No row back when the handle or the user id is already registered.
INSERT INTO xetl.accounts (handle, x_user_id, bot_content)
VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING
RETURNING account_id, handle, x_user_id, active, bot_content
