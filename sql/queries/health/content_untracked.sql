-- Health: the bot's posted and failed content per UTC day of its outcome in
-- [$1, $2) whose tweet no account tracks (a failed post has none).  Such a row
-- is the account's only when it is the one account with bot_content, so the
-- stage runs this only then (health/sole_bot.sql): one scan of the bot's table
-- a night, for that account, not one per account.  content.sql has the rows of
-- tracked tweets; the two add up.
SELECT to_char(b.outcome_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
       count(*) FILTER (WHERE b.status = 'posted') AS posted,
       count(*) FILTER (WHERE b.status = 'failed') AS failed
  FROM xetl.bot_content b
  LEFT JOIN xetl.posts o ON o.tweet_id = b.tweet_id
 WHERE o.tweet_id IS NULL AND b.status IN ('posted', 'failed') AND b.outcome_at >= $1 AND b.outcome_at < $2
 GROUP BY 1
