-- The authors X gave of other users' bot posts ($1 tweet ids, $2 authors, text[]),
-- kept in run $3's xetl.pull_bot_free where none was known: the first wins, as
-- in bot_authors.sql, so the run's next pulls leave them out as before.
UPDATE xetl.pull_bot_free f SET author_id = a.x
  FROM (SELECT DISTINCT ON (t) t, x FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(t, x, n)
         ORDER BY t, n) a
 WHERE f.run_id = $3::bigint AND f.tid = a.t AND f.author_id IS NULL
