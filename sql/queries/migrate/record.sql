-- Records a migration as applied: $1 version, $2 name, $3 checksum (sha256
-- hex of its text), $4 the xetl version that applied it.
INSERT INTO xetl.schema_migrations (version, name, checksum, xetl_version)
VALUES ($1, $2, $3, $4)
