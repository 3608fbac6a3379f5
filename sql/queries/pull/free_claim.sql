-- After an account's pull staged its rows: the posts it staged are tracked now,
-- so no other account's pull may take them from pull_bot_free (as bots.sql's
-- filter on xetl.posts said when every pull read the whole bot table).
DELETE FROM pull_bot_free WHERE tid IN (SELECT tweet_id FROM pull_stage)
