-- Health: the bot's posted and failed content of account $1 per UTC day of its
-- outcome in [$2, $3), read from xetl.bot_content (migration 0131), never
-- content_metadata itself.  content_metadata has no account: a row is the
-- account's when its tweet is the account's post, and a row whose tweet xetl
-- does not track (a failed post has none) only when this is the one account
-- with bot_content.
SELECT to_char(b.outcome_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
       count(*) FILTER (WHERE b.status = 'posted') AS posted,
       count(*) FILTER (WHERE b.status = 'failed') AS failed
  FROM xetl.bot_content b
  LEFT JOIN xetl.posts o ON o.tweet_id = b.tweet_id
 WHERE b.status IN ('posted', 'failed') AND b.outcome_at >= $2 AND b.outcome_at < $3
   AND (o.account_id = $1
        OR (o.tweet_id IS NULL
            AND $1 = (SELECT min(account_id) FROM xetl.accounts WHERE bot_content HAVING count(*) = 1)))
 GROUP BY 1
