-- Thins account $1's snapshots of posts published before $2 (timestamptz);
-- $3 = dry run (count only).  Returns the posts thinned and the rows removed.
SELECT posts, removed FROM xetl.thin_snapshots($1::bigint, $2::timestamptz, $3::boolean)
