-- Kron schema version 3: the cluster (issue 5): nodes, shard leases, and the shard of each run.
-- One SQLite node holds every shard, but it goes through the same leases as a PostgreSQL cluster: one engine, one
-- conformance suite. Instants are INTEGER microseconds.

-- A run is dispatched by the owner of its job's shard. Runs of deleted jobs keep shard 0: they are history.
ALTER TABLE runs ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET shard = coalesce((SELECT j.shard FROM jobs AS j WHERE j.id = runs.job_id), 0);

CREATE TABLE nodes (
    id           TEXT    NOT NULL PRIMARY KEY,
    address      TEXT    NOT NULL,
    version      TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
) STRICT;

-- One row per shard (Shards.Count = 256). owner is null when released; the lease is held while expires_at is later
-- than now. epoch + 1 on every change of owner: the fencing token of every fire and claim.
CREATE TABLE shard_leases (
    shard      INTEGER NOT NULL PRIMARY KEY,
    owner      TEXT,
    epoch      INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL DEFAULT 0
) STRICT;

WITH RECURSIVE numbers (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM numbers WHERE n < 255)
INSERT INTO shard_leases (shard) SELECT n FROM numbers;
