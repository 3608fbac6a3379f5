-- The bot's posted tweets that account $1 already tracks (xetl.bot_posts, built
-- by migrate for the adopted shape), for its posts of [$3, $4] (posted_at, or
-- none known): the only ones a pull can fetch again.  Those another X user
-- wrote are left out ($2: the account's user id; xetl.bot_post_authors).  It
-- starts from the account's rows of xetl.posts and finds the bot's by tweet id
-- (migration 0220's index), so it costs the account's own posts of the range,
-- whatever the size of the bot's table; the bot posts no account tracks yet
-- come from pull_bot_free (free_fill.sql).  The decision reference is read as
-- a UUID by the caller (pull_decision_uuid: not one reads as NULL); a tweet recorded under two decisions comes first under the
-- smallest (the caller keeps the first, as import does).  posted_at as epoch
-- seconds.  The tweet id is xetl.posts' (digits by its CHECK), so no pattern
-- test is needed; the author test is an anti-join because a left join's
-- "author IS NULL" misled the planner into scanning the bot's table.
SELECT b.tweet_id AS tid, b.decision_ref AS ref,
       CASE WHEN b.decision_type = 'reply' THEN 'reply' WHEN b.decision_type = 'thread' THEN 'thread'
            ELSE 'post' END AS kind,
       extract(epoch from b.posted_at)::bigint AS posted_at,
       b.target_tweet_id AS ptid, b.target_username AS puser,
       b.generation_metadata->>'content_type_id' AS ct_id,
       b.generation_metadata->>'content_type_name' AS ct_name,
       b.generation_metadata->>'viral_formula' AS formula,
       b.generation_metadata->>'hook_used' AS hook,
       b.generation_metadata::text AS gm
  FROM xetl.posts o
  JOIN xetl.bot_posts b ON b.tweet_id = o.tweet_id
 WHERE o.account_id = $1::bigint
   AND ((o.posted_at >= $3::timestamptz AND o.posted_at <= $4::timestamptz) OR o.posted_at IS NULL)
   AND NOT EXISTS (SELECT 1 FROM xetl.bot_post_authors ba WHERE ba.tweet_id = b.tweet_id AND ba.author_id <> $2)
 ORDER BY b.tweet_id, b.decision_ref
