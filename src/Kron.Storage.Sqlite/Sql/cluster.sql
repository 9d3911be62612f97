-- Nodes and shard leases. Each query starts with "-- name: <Name>" (loaded by SqlQueries).
-- SQLite has one writer, so a write transaction sees and changes the leases atomically: no row locks are needed.

-- name: NodeUpsert
INSERT INTO nodes (id, address, version, started_at, heartbeat_at)
VALUES (@id, @address, @version, @started_at, @now)
ON CONFLICT (id) DO UPDATE SET
    address = excluded.address, version = excluded.version, started_at = excluded.started_at,
    heartbeat_at = excluded.heartbeat_at;

-- name: ShardRenew
-- Only leases still held: an expired one must be acquired again, with a new epoch.
UPDATE shard_leases SET expires_at = @expires_at
WHERE owner = @owner AND expires_at > @now;

-- name: NodeList
SELECT id, address, version, started_at, heartbeat_at FROM nodes ORDER BY id;

-- name: ShardList
SELECT shard, owner, epoch, expires_at FROM shard_leases ORDER BY shard;

-- name: ShardHeld
-- The shards a fence may act on: held by @owner and not expired.
SELECT shard, epoch FROM shard_leases WHERE owner = @owner AND expires_at > @now;

-- name: ShardAcquire
-- The shards ShardAcquirable picked (a JSON array). RETURNING gives the new row; the previous owner is read before.
UPDATE shard_leases SET owner = @owner, epoch = epoch + 1, expires_at = @expires_at
WHERE shard IN (SELECT value FROM json_each(@shards))
RETURNING shard, owner, epoch, expires_at;

-- name: ShardAcquirable
-- Free or expired shards: the node's own expired ones first, then released ones, then (with @take_over = 1) other
-- nodes' expired ones; lowest shard first within each.
SELECT shard, owner FROM shard_leases
WHERE owner IS NULL OR (expires_at <= @now AND (@take_over = 1 OR owner = @owner))
ORDER BY CASE WHEN owner = @owner THEN 0 WHEN owner IS NULL THEN 1 ELSE 2 END, shard
LIMIT @limit;

-- name: ShardRescueRuns
-- A takeover: the running runs of a shard whose previous owner let its lease expire. Same outcome as RunRescue:
-- at least once runs again, at most once is lost. Clearing the token rejects the old owner's completion.
-- A prepared run (never started: started_at is null) is queued again for its slot with the same attempt.
UPDATE runs SET
    state = CASE WHEN started_at IS NULL OR delivery <> 'at_most_once' THEN 'queued' ELSE 'lost' END,
    attempt = CASE WHEN started_at IS NULL OR delivery = 'at_most_once' THEN attempt ELSE attempt + 1 END,
    ready_at = CASE WHEN started_at IS NULL OR delivery = 'at_most_once' THEN ready_at ELSE @now END,
    started_at = CASE delivery WHEN 'at_most_once' THEN started_at ELSE NULL END,
    finished_at = CASE WHEN started_at IS NULL OR delivery <> 'at_most_once' THEN NULL ELSE @now END,
    error = 'node ' || coalesce(lease_owner, '?') || ' lost shard ' || shard || ' to ' || @owner
        || CASE
            WHEN started_at IS NULL THEN ' before this run started; queued for its slot'
            WHEN delivery = 'at_most_once' THEN ': outcome unknown; at_most_once, so it will not be relaunched'
            ELSE '; queued again for attempt ' || (attempt + 1)
        END,
    cancel_requested = CASE WHEN started_at IS NULL OR delivery <> 'at_most_once' THEN 0 ELSE cancel_requested END,
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE state = 'running' AND shard = @shard AND lease_owner = @previous_owner
RETURNING state, id, job_id, attempt, error;

-- name: ShardRelease
UPDATE shard_leases SET owner = NULL, expires_at = @now
WHERE owner = @owner AND shard IN (SELECT value FROM json_each(@shards));

-- name: ShardReleaseAll
UPDATE shard_leases SET owner = NULL, expires_at = @now WHERE owner = @owner;

-- name: NodeDelete
DELETE FROM nodes WHERE id = @id;

-- name: NodeForget
DELETE FROM nodes WHERE heartbeat_at < @heartbeat_before;
