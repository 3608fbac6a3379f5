-- attribute: the account's daily follows and unfollows (exports) of the UTC
-- days from $2 to $3, complete rows only.  $1 account_id.
SELECT extract(epoch FROM day::timestamp)::bigint AS day, new_follows, unfollows
  FROM xetl.daily_follows
 WHERE account_id = $1
   AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
   AND day <= ($3::timestamptz AT TIME ZONE 'UTC')::date
   AND new_follows IS NOT NULL AND unfollows IS NOT NULL
 ORDER BY day
