-- Schema versioning. Each query starts with "-- name: <Name>" (loaded by SqlQueries).

-- name: MigrationLock
-- One migrator at a time, whichever node starts first: a transaction-scoped advisory lock, released by the commit or
-- rollback of the migrating transaction. The key is "kron" in ASCII (0x6B726F6E).
SELECT pg_advisory_xact_lock(1802661742);

-- name: SchemaVersionTableExists
-- Resolved through the search_path, like every unqualified table name of the driver.
SELECT to_regclass('schema_version') IS NOT NULL;

-- name: SchemaVersionGet
SELECT coalesce(max(version), 0) FROM schema_version;

-- name: SchemaVersionCreate
CREATE TABLE IF NOT EXISTS schema_version (
    version    integer     NOT NULL PRIMARY KEY,
    applied_at timestamptz NOT NULL
);

-- name: SchemaVersionInsert
INSERT INTO schema_version (version, applied_at) VALUES (@version, now());
