-- The bot's posted tweets for account $1 (xetl.bot_posts, built by migrate for
-- the adopted shape), leaving out tweets another account already owns and those
-- another X user wrote ($2: the account's user id; xetl.bot_post_authors).  A
-- decision id that is not a UUID reads as NULL; a tweet recorded under two
-- decisions comes first under the smallest (the caller keeps the first, as
-- import does).  posted_at as epoch seconds.
SELECT b.tweet_id AS tid,
       CASE WHEN b.decision_ref ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
            THEN b.decision_ref::uuid::text END AS did,
       CASE WHEN b.decision_type = 'reply' THEN 'reply' WHEN b.decision_type = 'thread' THEN 'thread'
            ELSE 'post' END AS kind,
       extract(epoch from b.posted_at)::bigint AS posted_at,
       b.target_tweet_id AS ptid, b.target_username AS puser,
       b.generation_metadata->>'content_type_id' AS ct_id,
       b.generation_metadata->>'content_type_name' AS ct_name,
       b.generation_metadata->>'viral_formula' AS formula,
       b.generation_metadata->>'hook_used' AS hook,
       b.generation_metadata::text AS gm
  FROM xetl.bot_posts b
  LEFT JOIN xetl.posts p ON p.tweet_id = b.tweet_id
  LEFT JOIN xetl.bot_post_authors ba ON ba.tweet_id = b.tweet_id
 WHERE b.tweet_id ~ '^[0-9]{1,20}$' AND (p.account_id IS NULL OR p.account_id = $1::bigint)
   AND (ba.author_id IS NULL OR ba.author_id = $2)
 ORDER BY b.tweet_id, b.decision_ref
