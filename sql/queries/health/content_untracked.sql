-- Health: the bot's posted and failed content per UTC day of its outcome in
-- [$2, $3) whose tweet no account tracks (a failed post has none), counted for
-- account $1 only when it is the one account with bot_content (content.sql has
-- the rows of tracked tweets).  For any other account the condition on $1 is
-- false before a row is read (PostgreSQL's one-time filter), so the scan of
-- the bot's table happens once a night, for that one account.
SELECT to_char(b.outcome_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
       count(*) FILTER (WHERE b.status = 'posted') AS posted,
       count(*) FILTER (WHERE b.status = 'failed') AS failed
  FROM xetl.bot_content b
  LEFT JOIN xetl.posts o ON o.tweet_id = b.tweet_id
 WHERE $1 = (SELECT min(account_id) FROM xetl.accounts WHERE bot_content HAVING count(*) = 1)
   AND o.tweet_id IS NULL AND b.status IN ('posted', 'failed') AND b.outcome_at >= $2 AND b.outcome_at < $3
 GROUP BY 1
