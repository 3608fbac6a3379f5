-- fit: stored history fits of posts no longer in any history window.
-- $1 account_id, $2 the history window's start.
DELETE FROM xetl.fit_history WHERE account_id = $1 AND posted_at < $2::timestamptz
