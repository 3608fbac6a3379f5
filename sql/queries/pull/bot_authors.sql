-- Records the authors X gave ($2, text[]) of bot posts ($1, text[]) that another
-- user wrote, seen at as-of $3, so no other account's pull fetches them again.
-- In tweet-id order: accounts pulled at once (nightly --jobs) insert overlapping
-- ids, and one order for all makes them wait for each other, never deadlock.
INSERT INTO xetl.bot_post_authors (tweet_id, author_id, seen_at)
SELECT t, a, $3::timestamptz FROM unnest($1::text[], $2::text[]) AS f(t, a)
 ORDER BY t
ON CONFLICT (tweet_id) DO NOTHING
