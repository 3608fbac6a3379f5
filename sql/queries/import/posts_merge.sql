-- The account's existing posts: each keeps its values and only gains a time or
-- text it lacked (nothing else is rewritten).  No parameters.
INSERT INTO xetl.posts AS p (tweet_id, account_id, decision_id, kind, posted_at, text, origin, first_seen_at)
SELECT n.* FROM import_post_rows n JOIN import_have h ON h.target = 'posts' AND h.tweet_id = n.tweet_id
    ON CONFLICT (account_id, tweet_id) DO UPDATE
   SET posted_at = coalesce(p.posted_at, excluded.posted_at),
       text = coalesce(p.text, excluded.text), updated_at = excluded.updated_at
 WHERE (p.posted_at IS NULL AND excluded.posted_at IS NOT NULL)
    OR (p.text IS NULL AND excluded.text IS NOT NULL)
RETURNING 1
