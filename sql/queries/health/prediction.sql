-- Health: the median APE of the account's 7-day predictions made on each UTC
-- day in [$2, $3) ($1 account), by metric and by the post's age when made
-- (bucket NULL: the metric over every age).
SELECT d AS day, metric, bucket,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ape) AS median_ape, count(*) AS n
  FROM (SELECT to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d, metric, ape,
               CASE WHEN age_hours < 4 THEN '0-4h' WHEN age_hours < 24 THEN '4-24h'
                    WHEN age_hours < 48 THEN '24-48h' ELSE '48h+' END AS bucket
          FROM xetl.predictions
         WHERE account_id = $1 AND as_of >= $2 AND as_of < $3 AND ape IS NOT NULL) x
 GROUP BY GROUPING SETS ((d, metric, bucket), (d, metric))
 ORDER BY 1, 2, 3
