-- Queues and workers (queue targets). Each query starts with "-- name: <Name>" (loaded by SqlQueries). The single
-- writer serializes leases, so counting a queue's leased runs and leasing more is atomic.

-- name: WorkerSeen
-- A lease call: the worker with the queues it asks for.
INSERT INTO workers (name, queues, last_seen_at) VALUES (@name, @queues, @now)
ON CONFLICT (name) DO UPDATE SET queues = excluded.queues, last_seen_at = max(last_seen_at, excluded.last_seen_at);

-- name: WorkerTouch
-- A heartbeat: the worker is alive; its queues stay as its last lease call said.
UPDATE workers SET last_seen_at = max(last_seen_at, @now) WHERE name = @name;

-- name: QueueLimits
-- @queues is a JSON array of queue names.
SELECT name, max_leased FROM queues
WHERE name IN (SELECT value FROM json_each(@queues)) AND max_leased IS NOT NULL;

-- name: QueueLeasedCount
SELECT count(*) FROM runs INDEXED BY runs_queue_leased WHERE queue = @queue AND state = 'running' AND queue IS NOT NULL;

-- name: QueueReady
-- One queue's ready runs in lease order: highest priority, then oldest slot, then id.
SELECT id, priority, scheduled_for FROM runs INDEXED BY runs_queue
WHERE queue = @queue AND state = 'queued' AND queue IS NOT NULL AND ready_at <= @now
ORDER BY priority DESC, scheduled_for, id
LIMIT @limit;

-- name: QueueLease
-- @ids is a JSON array of run ids picked by QueueReady. Each leased run gets a fresh random token (fencing).
UPDATE runs SET
    state = 'running', lease_owner = @owner, node = @owner, lease_token = lower(hex(randomblob(16))),
    lease_expires_at = @lease_expires_at, started_at = @now
WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'queued'
RETURNING *;

-- name: WorkerList
-- Workers seen since @seen_since, and any still holding runs.
SELECT name, queues, last_seen_at FROM workers
WHERE last_seen_at >= @seen_since
   OR name IN (SELECT lease_owner FROM runs INDEXED BY runs_queue_leased WHERE state = 'running' AND queue IS NOT NULL)
ORDER BY name;

-- name: WorkerHeldRuns
SELECT * FROM runs INDEXED BY runs_queue_leased
WHERE state = 'running' AND queue IS NOT NULL
ORDER BY lease_owner, id;

-- name: QueueDepths
-- Queued (ready now or later) and leased runs per queue, and the queues with a limit.
SELECT queue AS name, count(*) AS queued, 0 AS running FROM runs INDEXED BY runs_queue
WHERE state = 'queued' AND queue IS NOT NULL GROUP BY queue
UNION ALL
SELECT queue, 0, count(*) FROM runs INDEXED BY runs_queue_leased
WHERE state = 'running' AND queue IS NOT NULL GROUP BY queue;

-- name: QueueList
SELECT name, max_leased FROM queues ORDER BY name;

-- name: QueueSetLimit
INSERT INTO queues (name, max_leased, updated_at) VALUES (@name, @max_leased, @now)
ON CONFLICT (name) DO UPDATE SET max_leased = excluded.max_leased, updated_at = excluded.updated_at;
