-- The migrations applied to this database, by version, with when (ISO 8601 UTC).
SELECT version, name, checksum,
       to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS applied_at
  FROM xetl.schema_migrations
 ORDER BY version
