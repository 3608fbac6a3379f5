-- New posts into xetl.posts by a plain INSERT (a third cheaper than an upsert's
-- speculative one); import_have says which the account has already.  A post
-- another session adds meanwhile fails the file's transaction on the primary
-- key, never merges wrongly (import runs under the nightly's lock).  No parameters.
INSERT INTO xetl.posts (tweet_id, account_id, decision_id, kind, posted_at, text, origin, first_seen_at)
SELECT * FROM import_post_rows
 WHERE tweet_id NOT IN (SELECT tweet_id FROM import_have WHERE target = 'posts')
