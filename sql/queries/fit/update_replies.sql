-- fit: a reply's curves into reply_performance.reply_metadata too (its "decay"
-- key), only where they differ.  $1 account_id.
UPDATE reply_performance r SET
       reply_metadata = coalesce(r.reply_metadata, '{}'::jsonb) || o.meta,
       updated_at = now()
  FROM fit_out o
 WHERE r.reply_tweet_id = o.tweet_id AND o.kind = 'reply' AND r.account_id = $1
   AND r.reply_metadata->'decay' IS DISTINCT FROM o.meta->'decay'
