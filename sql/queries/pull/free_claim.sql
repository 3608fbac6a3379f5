-- After an account's pull staged its rows: the posts it staged are tracked now,
-- so no other account's pull of run $1 may take them from xetl.pull_bot_free (as
-- bots.sql's filter on xetl.posts said when every pull read the whole bot table).
DELETE FROM xetl.pull_bot_free WHERE run_id = $1::bigint AND tid IN (SELECT tweet_id FROM pull_stage)
