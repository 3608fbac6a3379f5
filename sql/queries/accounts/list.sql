-- `xetl account list`: every account with its number of posts, by handle.
SELECT handle, x_user_id AS user_id,
       CASE WHEN active THEN 'yes' ELSE 'no' END AS active,
       CASE WHEN bot_content THEN 'yes' ELSE 'no' END AS bot_content,
       (SELECT count(*) FROM xetl.posts p WHERE p.account_id = a.account_id) AS posts
  FROM xetl.accounts a
 ORDER BY lower(handle)
