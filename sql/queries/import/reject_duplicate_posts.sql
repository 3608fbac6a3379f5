-- A per-post export with a post id twice: the last row loads, the earlier ones
-- are rejected naming it.  No parameters.
UPDATE import_stage s
   SET reason = 'duplicate post id ' || s.tweet_id || ': the row at line ' || k.keep || ' is loaded instead'
  FROM (SELECT tweet_id, max(line) AS keep FROM import_stage WHERE reason IS NULL
         GROUP BY tweet_id HAVING count(*) > 1) k
 WHERE s.reason IS NULL AND s.tweet_id = k.tweet_id AND s.line < k.keep
