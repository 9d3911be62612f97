-- Nodes and shard leases. Each query starts with "-- name: <Name>" (loaded by SqlQueries).
-- "Now" is coalesce(@now, now()): the database's clock decides every lease, never a node's. Statements that lock
-- several lease rows lock them in shard order, so two of them can never wait on each other in a cycle.

-- name: ClockNow
SELECT coalesce(@now, now());

-- name: NodeUpsert
INSERT INTO nodes (id, address, version, started_at, heartbeat_at)
VALUES (@id, @address, @version, @started_at, coalesce(@now, now()))
ON CONFLICT (id) DO UPDATE SET
    address = excluded.address, version = excluded.version, started_at = excluded.started_at,
    heartbeat_at = excluded.heartbeat_at;

-- name: ShardRenew
-- Only leases still held: an expired one must be acquired again, with a new epoch. FOR NO KEY UPDATE (an update that
-- changes no key column) does not conflict with the KEY SHARE locks of fenced writes (ShardFenceLock): renewing a lease
-- never waits for the holder's own writes, and they never queue behind a renewal. A takeover or release locks FOR
-- UPDATE, which does conflict with them.
UPDATE shard_leases SET expires_at = coalesce(@now, now()) + @lease_ttl * interval '1 microsecond'
WHERE shard IN (
    SELECT shard FROM shard_leases
    WHERE owner = @owner AND expires_at > coalesce(@now, now())
    ORDER BY shard
    FOR NO KEY UPDATE
)
AND owner = @owner;

-- name: NodeList
SELECT id, address, version, started_at, heartbeat_at FROM nodes ORDER BY id;

-- name: ShardList
SELECT shard, owner, epoch, expires_at FROM shard_leases ORDER BY shard;

-- name: ShardFenceLock
-- The first statement of a fenced write: the fence's shards whose lease is held by @owner with exactly the fence's
-- epoch and not expired, KEY SHARE-locked until the write commits. A takeover or a release locks the lease row FOR
-- UPDATE first, which conflicts with KEY SHARE, so it waits (or, with SKIP LOCKED, passes the shard by) until the write
-- is done: the write never lands in a shard that changed hands. A lease row a takeover changed meanwhile is re-read
-- and fails the owner and epoch check. Renewals (FOR NO KEY UPDATE) do not conflict: with FOR SHARE here, the one
-- renewal a second queued behind the fenced writes and every later fenced write queued behind it (measured: about
-- 110 ms of stall per renewal under load).
SELECT l.shard
FROM shard_leases AS l
JOIN unnest(@shards::integer[], @epochs::bigint[]) AS f (shard, epoch) ON f.shard = l.shard AND f.epoch = l.epoch
WHERE l.owner = @owner AND l.expires_at > coalesce(@now, now())
ORDER BY l.shard
FOR KEY SHARE OF l;

-- name: ShardAcquire
-- Free or expired shards that no other transaction has locked (a concurrent acquirer, or a fenced write of the
-- holder): concurrent acquirers never take the same shard. The node's own expired shards first, then released ones,
-- then (with @take_over) other nodes' expired ones; lowest shard first within each. Epoch + 1 on every acquisition. A shard whose
-- expired lease was another node's is a takeover: in the same statement, the running runs of that shard leased by the
-- previous owner are rescued exactly as RunRescue does (at least once: queued again now; at most once: lost), which
-- revokes their lease tokens. A shard that was released keeps its runs' leases: they finish where they run.
WITH picked AS (
    SELECT shard, owner AS previous_owner FROM shard_leases
    WHERE owner IS NULL OR (expires_at <= coalesce(@now, now()) AND (@take_over OR owner = @owner))
    ORDER BY CASE WHEN owner = @owner THEN 0 WHEN owner IS NULL THEN 1 ELSE 2 END, shard
    LIMIT @limit
    FOR UPDATE SKIP LOCKED
),
acquired AS (
    UPDATE shard_leases AS l
    SET owner = @owner, epoch = l.epoch + 1, expires_at = coalesce(@now, now()) + @lease_ttl * interval '1 microsecond'
    FROM picked
    WHERE l.shard = picked.shard
    RETURNING l.shard, l.owner, l.epoch, l.expires_at, picked.previous_owner
),
rescued AS (
    -- A prepared run (never started: started_at is null) is queued again for its slot with the same attempt.
    UPDATE runs AS r SET
        state = CASE WHEN r.started_at IS NULL OR r.delivery <> 'at_most_once' THEN 'queued' ELSE 'lost' END,
        attempt = CASE WHEN r.started_at IS NULL OR r.delivery = 'at_most_once' THEN r.attempt ELSE r.attempt + 1 END,
        ready_at = CASE WHEN r.started_at IS NULL OR r.delivery = 'at_most_once' THEN r.ready_at ELSE coalesce(@now, now()) END,
        started_at = CASE r.delivery WHEN 'at_most_once' THEN r.started_at END,
        finished_at = CASE WHEN r.started_at IS NOT NULL AND r.delivery = 'at_most_once' THEN coalesce(@now, now()) END,
        error = 'node ' || coalesce(r.lease_owner, '?') || ' lost shard ' || r.shard || ' to ' || @owner
            || CASE
                WHEN r.started_at IS NULL THEN ' before this run started; queued for its slot'
                WHEN r.delivery = 'at_most_once' THEN ': outcome unknown; at_most_once, so it will not be relaunched'
                ELSE '; queued again for attempt ' || (r.attempt + 1)
            END,
        cancel_requested = CASE WHEN r.started_at IS NOT NULL AND r.delivery = 'at_most_once' THEN r.cancel_requested ELSE false END,
        lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
    FROM acquired AS a
    WHERE a.previous_owner IS NOT NULL AND a.previous_owner <> @owner
      AND r.state = 'running' AND r.shard = a.shard AND r.lease_owner = a.previous_owner
    RETURNING r.shard, r.state, r.id, r.job_id, r.attempt, r.error
)
SELECT a.shard, a.owner, a.epoch, a.expires_at,
       (a.previous_owner IS NOT NULL AND a.previous_owner <> @owner) AS taken_over,
       (SELECT count(*) FROM rescued AS x WHERE x.shard = a.shard AND x.state = 'queued')::integer AS requeued,
       (SELECT count(*) FROM rescued AS x WHERE x.shard = a.shard AND x.state = 'lost')::integer AS lost,
       (SELECT coalesce(json_agg(json_build_array(x.state, x.id, x.job_id, x.attempt, x.error)), '[]')
        FROM rescued AS x WHERE x.shard = a.shard)::text AS rescued_runs
FROM acquired AS a
ORDER BY a.shard;

-- name: ShardRelease
-- owner = null, expires_at = now, epoch unchanged; only shards the node holds.
UPDATE shard_leases SET owner = NULL, expires_at = coalesce(@now, now())
WHERE shard IN (
    SELECT shard FROM shard_leases
    WHERE owner = @owner AND shard = ANY (@shards::integer[])
    ORDER BY shard
    FOR UPDATE
)
AND owner = @owner;

-- name: ShardReleaseAll
UPDATE shard_leases SET owner = NULL, expires_at = coalesce(@now, now())
WHERE shard IN (
    SELECT shard FROM shard_leases
    WHERE owner = @owner
    ORDER BY shard
    FOR UPDATE
)
AND owner = @owner;

-- name: NodeDelete
DELETE FROM nodes WHERE id = @id;

-- name: NodeForget
DELETE FROM nodes WHERE heartbeat_at < @heartbeat_before;
