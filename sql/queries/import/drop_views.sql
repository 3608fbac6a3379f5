-- The staging views, dropped before the file's transaction commits (its
-- tables go ON COMMIT DROP; a temporary view would outlive them).
DROP VIEW import_post_rows, import_snapshot_rows, import_analytics_rows, import_follow_rows,
          import_rows, import_rej;
