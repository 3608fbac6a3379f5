-- The staged posts into xetl.posts; a post already there keeps its values and
-- only gains a time or text it lacked (nothing else is rewritten).
-- New posts go in by a plain INSERT and the account's existing ones through
-- ON CONFLICT, split on the statement's snapshot (both parts see the table as
-- it was): a plain insert costs about two thirds of an upsert's speculative
-- one.  A post another session adds meanwhile fails the file's transaction on
-- the primary key, never merges wrongly; import runs under the nightly's lock.
-- $1 account, $2 as-of (first_seen_at of new posts).  One row: how many were created.
WITH n AS NOT MATERIALIZED (
    SELECT tweet_id, $1::bigint AS account_id, decision_id, 'post' AS kind, posted_at, text,
           CASE WHEN bot THEN 'bot' ELSE 'import' END AS origin, $2::timestamptz AS first_seen_at
      FROM import_rows),
old AS (
    INSERT INTO xetl.posts AS p (tweet_id, account_id, decision_id, kind, posted_at, text, origin, first_seen_at)
    SELECT * FROM n
     WHERE EXISTS (SELECT 1 FROM xetl.posts x WHERE x.account_id = n.account_id AND x.tweet_id = n.tweet_id)
        ON CONFLICT (account_id, tweet_id) DO UPDATE
       SET posted_at = coalesce(p.posted_at, excluded.posted_at),
           text = coalesce(p.text, excluded.text), updated_at = excluded.updated_at
     WHERE (p.posted_at IS NULL AND excluded.posted_at IS NOT NULL)
        OR (p.text IS NULL AND excluded.text IS NOT NULL)
    RETURNING 1),
new AS (
    INSERT INTO xetl.posts (tweet_id, account_id, decision_id, kind, posted_at, text, origin, first_seen_at)
    SELECT * FROM n
     WHERE NOT EXISTS (SELECT 1 FROM xetl.posts x WHERE x.account_id = n.account_id AND x.tweet_id = n.tweet_id)
    RETURNING 1)
SELECT (SELECT count(*) FROM new) AS created, (SELECT count(*) FROM old) AS changed
