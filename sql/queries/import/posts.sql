-- The staged posts into xetl.posts; a post already there keeps its values and
-- only gains a time or text it lacked (nothing else is rewritten).
-- $1 account, $2 as-of (first_seen_at of new posts).  One row: how many were created.
WITH ins AS (
    INSERT INTO xetl.posts AS p (tweet_id, account_id, decision_id, kind, posted_at, text, origin, first_seen_at)
    SELECT tweet_id, $1::bigint, decision_id, 'post', posted_at, text,
           CASE WHEN bot THEN 'bot' ELSE 'import' END, $2::timestamptz
      FROM import_rows
        ON CONFLICT (account_id, tweet_id) DO UPDATE
       SET posted_at = coalesce(p.posted_at, excluded.posted_at),
           text = coalesce(p.text, excluded.text), updated_at = excluded.updated_at
     WHERE (p.posted_at IS NULL AND excluded.posted_at IS NOT NULL)
        OR (p.text IS NULL AND excluded.text IS NOT NULL)
    RETURNING (xmax = 0) AS created)
SELECT count(*) FILTER (WHERE created) AS created FROM ins
