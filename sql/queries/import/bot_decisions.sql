-- For an account whose posts the bot makes: the bot's decision id of each new
-- staged post it has one for (xetl.bot_decisions, built by migrate over the
-- bot's shape; its own record first, then posted_decisions).  No parameters.
INSERT INTO import_dec (tweet_id, decision_id, bot)
SELECT DISTINCT ON (s.tweet_id) s.tweet_id, b.decision_id, true
  FROM import_stage s JOIN xetl.bot_decisions b ON b.tweet_id = s.tweet_id
 WHERE s.reason IS NULL AND NOT EXISTS (SELECT 1 FROM import_dec d WHERE d.tweet_id = s.tweet_id)
 ORDER BY s.tweet_id, b.pref, b.decision_id::text
