-- The staged posts the account already has in xetl.posts, and whether the
-- import changes them (they only gain a time or text they lack).  $1 account.
INSERT INTO import_have (target, tweet_id, differs)
SELECT 'posts', p.tweet_id,
       (p.posted_at IS NULL AND n.posted_at IS NOT NULL) OR (p.text IS NULL AND n.text IS NOT NULL)
  FROM xetl.posts p JOIN import_post_rows n ON n.account_id = p.account_id AND n.tweet_id = p.tweet_id
 WHERE p.account_id = $1::bigint
