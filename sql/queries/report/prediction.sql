-- Report: how well fit's 7-day predictions did for account $1, by the post's
-- age when they were made: the median APE of the 7-day likes over the
-- predictions whose post completed its seventh day (xetl.window_7d_end) in
-- this period [$2, $3), the previous period [$4, $2) beside it.
WITH per(k, f, t) AS (VALUES ('cur', $2::timestamptz, $3::timestamptz),
                             ('prev', $4::timestamptz, $2::timestamptz)),
b(ord, label, lo, hi) AS (VALUES (1, '0-4 h', 0, 4), (2, '4-24 h', 4, 24), (3, '24-48 h', 24, 48),
                                 (4, '48 h-7 d', 48, 168)),
x AS (
  SELECT per.k, b.ord, b.label,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY q.ape) AS med, count(q.ape) AS n
    FROM per CROSS JOIN b
    LEFT JOIN (SELECT pr.ape, pr.age_hours, xetl.window_7d_end(p.posted_at) AS day7 FROM xetl.predictions pr
                 JOIN xetl.posts p ON p.account_id = pr.account_id AND p.tweet_id = pr.tweet_id
                WHERE pr.account_id = $1 AND pr.metric = 'likes' AND pr.ape IS NOT NULL) q
      ON q.age_hours >= b.lo AND q.age_hours < b.hi AND q.day7 >= per.f AND q.day7 < per.t
   GROUP BY per.k, b.ord, b.label)
SELECT c.ord, '7-day likes predicted at ' || c.label AS item,
       round(c.med::numeric, 4) AS cur, round(p.med::numeric, 4) AS prev,
       round((c.med - p.med)::numeric, 4) AS change, round(((c.med - p.med) / nullif(p.med, 0))::numeric, 4) AS change_pct,
       CASE WHEN c.n = 0 THEN 'no data: no prediction made at this age was scored in the period'
            ELSE 'median APE over ' || c.n || ' prediction' || CASE WHEN c.n > 1 THEN 's' ELSE '' END
                 || '; lower is better' END AS note,
       c.n
  FROM x c JOIN x p ON p.ord = c.ord AND p.k = 'prev'
 WHERE c.k = 'cur'
 ORDER BY c.ord
