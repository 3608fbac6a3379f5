-- An overview export with a day twice: the last row of the day loads, the
-- earlier ones are rejected naming it.  No parameters.
UPDATE import_days s
   SET reason = 'duplicate day ' || s.day || ': the row at line ' || k.keep || ' is loaded instead'
  FROM (SELECT day, max(line) AS keep FROM import_days WHERE reason IS NULL
         GROUP BY day HAVING count(*) > 1) k
 WHERE s.reason IS NULL AND s.day = k.day AND s.line < k.keep
