-- The staged rows (not rejected) whose permalink names another X handle than
-- account $1's ($2, compared without case), with the handle most of them
-- name: an export of another account, imported under this one.  Rows with no
-- such link (an id-only export) say nothing either way.  A permalink is
-- https://(www.|mobile.)x.com/HANDLE/status/ID (or twitter.com): split on '/',
-- not matched by a pattern, to keep it cheap on a large file.  x.com/i/status/ID
-- (X's handle-less link) names nobody.
SELECT count(*) FILTER (WHERE h <> lower($2)) AS other,
       count(*) AS linked,
       mode() WITHIN GROUP (ORDER BY h) FILTER (WHERE h <> lower($2)) AS handle,
       count(DISTINCT h) FILTER (WHERE h <> lower($2)) AS handles
  FROM (SELECT lower(split_part(s.permalink, '/', 4)) AS h
          FROM import_stage s
         WHERE s.reason IS NULL AND $1::bigint IS NOT NULL
           AND split_part(s.permalink, '/', 1) IN ('https:', 'http:') AND split_part(s.permalink, '/', 2) = ''
           AND lower(split_part(s.permalink, '/', 3)) IN ('x.com', 'twitter.com', 'www.x.com', 'www.twitter.com',
                                                          'mobile.x.com', 'mobile.twitter.com')
           AND split_part(s.permalink, '/', 5) = 'status') l
 WHERE h NOT IN ('', 'i')
