-- The account's existing posts that the import changes (import_have.differs):
-- each keeps its values and only gains a time or text it lacked.  Only those
-- rows are written (an UPDATE, not ON CONFLICT, which would lock every
-- existing row).  $1 account.
UPDATE xetl.posts p
   SET posted_at = coalesce(p.posted_at, n.posted_at), text = coalesce(p.text, n.text), updated_at = now()
  FROM import_post_rows n JOIN import_have h ON h.target = 'posts' AND h.tweet_id = n.tweet_id AND h.differs
 WHERE p.account_id = $1::bigint AND p.account_id = n.account_id AND p.tweet_id = n.tweet_id
