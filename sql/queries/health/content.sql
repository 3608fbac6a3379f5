-- Health: the bot's posted and failed content of account $1 per UTC day of its
-- outcome in [$2, $3), read from xetl.bot_content (migration 0131), never
-- content_metadata itself.  content_metadata has no account: a row is the
-- account's when its tweet is the account's post (this statement), and a row
-- whose tweet no account tracks (a failed post has none) only when this is the
-- one account with bot_content (content_untracked.sql; the two add up).  It
-- starts from the account's rows of xetl.posts and finds the bot's rows by
-- tweet id (migration 0220's index), so it costs the account's own posts, not
-- the bot's whole table.
SELECT to_char(b.outcome_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
       count(*) FILTER (WHERE b.status = 'posted') AS posted,
       count(*) FILTER (WHERE b.status = 'failed') AS failed
  FROM xetl.posts o
  JOIN xetl.bot_content b ON b.tweet_id = o.tweet_id
 WHERE o.account_id = $1 AND b.status IN ('posted', 'failed') AND b.outcome_at >= $2 AND b.outcome_at < $3
 GROUP BY 1
