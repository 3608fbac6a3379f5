-- The posts xetl already tracks for account $1, with their post and last snapshot times (epoch).
SELECT tweet_id, extract(epoch from posted_at)::bigint AS posted_at,
       extract(epoch from last_snapshot_at)::bigint AS last_snap, status = 'deleted' AS deleted
  FROM xetl.posts
 WHERE account_id = $1
