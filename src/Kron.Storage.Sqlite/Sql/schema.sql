-- Schema versioning and connection setup. Each query starts with "-- name: <Name>" (loaded by SqlQueries).

-- name: WriterJournalMode
PRAGMA journal_mode = WAL;

-- name: ConnectionSetup
-- synchronous = FULL: a commit is on disk before the API answers (guarantee 1).
-- foreign_keys = OFF: runs outlive deleted jobs.
PRAGMA synchronous = FULL;
PRAGMA busy_timeout = 5000;
PRAGMA foreign_keys = OFF;

-- name: SchemaVersionTableExists
SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version';

-- name: SchemaVersionGet
SELECT coalesce(max(version), 0) FROM schema_version;

-- name: SchemaVersionCreate
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at INTEGER NOT NULL
) STRICT;

-- name: SchemaVersionInsert
INSERT INTO schema_version (version, applied_at) VALUES (@version, @applied_at);
