-- New xetl.platform_follows rows (X's per-post follows) by a plain INSERT (see
-- posts_new).  No parameters.
INSERT INTO xetl.platform_follows (tweet_id, account_id, follows, as_of, source_file)
SELECT * FROM import_follow_rows
 WHERE tweet_id NOT IN (SELECT tweet_id FROM import_have WHERE target = 'follows')
