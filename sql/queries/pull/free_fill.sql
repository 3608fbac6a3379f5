-- Fills xetl.pull_bot_free for run $1 and the window [$2, $3]: the bot's posted
-- tweets that no account tracks in xetl.posts, posted in the window or at no
-- known time (the only ones a pull would fetch: choose_due in etl/pull.c),
-- with the author xetl.bot_post_authors knows, in bots.sql's columns.  This is
-- the one statement that reads every account's rows (the bot's table has no
-- account): once per run and window, whatever the workers or accounts.
INSERT INTO xetl.pull_bot_free (run_id, from_t, to_t, tid, decision_ref, author_id, kind, posted_at, ptid,
                                puser, ct_id, ct_name, formula, hook, gm)
SELECT $1::bigint, $2::timestamptz, $3::timestamptz, b.tweet_id, b.decision_ref, ba.author_id,
       CASE WHEN b.decision_type = 'reply' THEN 'reply' WHEN b.decision_type = 'thread' THEN 'thread'
            ELSE 'post' END,
       extract(epoch from b.posted_at)::bigint,
       b.target_tweet_id, b.target_username,
       b.generation_metadata->>'content_type_id', b.generation_metadata->>'content_type_name',
       b.generation_metadata->>'viral_formula', b.generation_metadata->>'hook_used',
       b.generation_metadata::text
  FROM xetl.bot_posts b
  LEFT JOIN xetl.posts p ON p.tweet_id = b.tweet_id
  LEFT JOIN xetl.bot_post_authors ba ON ba.tweet_id = b.tweet_id
 WHERE p.tweet_id IS NULL AND b.tweet_id ~ '^[0-9]{1,20}$'
   AND ((b.posted_at >= $2::timestamptz AND b.posted_at <= $3::timestamptz) OR b.posted_at IS NULL)
