-- Queues and workers (queue targets). Each query starts with "-- name: <Name>" (loaded by SqlQueries). "Now" is
-- coalesce(@now, now()): the operation's Now when a test fakes time, else the database's clock.

-- name: WorkerSeen
-- A lease call: the worker with the queues it asks for.
INSERT INTO workers (name, queues, last_seen_at) VALUES (@name, @queues, coalesce(@now, now()))
ON CONFLICT (name) DO UPDATE SET queues = excluded.queues, last_seen_at = greatest(workers.last_seen_at, excluded.last_seen_at);

-- name: WorkerTouch
-- A heartbeat: the worker is alive; its queues stay as its last lease call said.
UPDATE workers SET last_seen_at = greatest(last_seen_at, coalesce(@now, now())) WHERE name = @name;

-- name: QueueLimits
-- The limits of the asked queues. A limited queue's leases are serialized by a transaction-scoped advisory lock on
-- its name, taken in name order (no deadlock between two workers asking for the same queues), before its leased runs
-- are counted: with READ COMMITTED, that count then sees every lease committed before ours.
SELECT q.name, q.max_leased, pg_advisory_xact_lock(hashtextextended('kron_queue:' || q.name, 0)) IS NULL AS locked
FROM (SELECT name, max_leased FROM queues WHERE name = ANY (@queues::text[]) AND max_leased IS NOT NULL ORDER BY name) AS q;

-- name: QueueLeasedCounts
SELECT queue, count(*) FROM runs WHERE state = 'running' AND queue = ANY (@queues::text[]) GROUP BY queue;

-- name: QueueLease
-- Per queue up to its room (@rooms, by position in @queues) of its ready runs in lease order, SKIP LOCKED so that
-- concurrent lessees take different runs; then the best @limit of them over every queue. Each gets a fresh token.
WITH candidates AS (
    SELECT c.id, c.priority, c.scheduled_for
    FROM unnest(@queues::text[], @rooms::integer[]) AS q (name, room)
    CROSS JOIN LATERAL (
        SELECT id, priority, scheduled_for FROM runs
        WHERE state = 'queued' AND queue = q.name AND ready_at <= coalesce(@now, now())
        ORDER BY priority DESC, scheduled_for, id
        LIMIT q.room
        FOR UPDATE SKIP LOCKED
    ) AS c
), picked AS (
    SELECT id FROM candidates ORDER BY priority DESC, scheduled_for, id LIMIT @limit
)
UPDATE runs AS r SET
    state = 'running', lease_owner = @owner, node = @owner,
    lease_token = replace(gen_random_uuid()::text, '-', ''),
    lease_expires_at = coalesce(@now, now()) + @lease_duration * interval '1 microsecond',
    started_at = coalesce(@now, now())
FROM picked
WHERE r.id = picked.id
RETURNING r.id, r.job_id, r.shard, r.scheduled_for, r.triggered_by, r.attempt, r.max_attempts, r.state, r.ready_at,
          r.priority, r.target, r.payload, r.timeout, r.delivery, r.retry_initial_interval, r.retry_max_interval,
          r.retry_multiplier, r.retry_jitter, r.cancel_requested, r.lease_owner, r.lease_token, r.lease_expires_at,
          r.started_at, r.finished_at, r.node, r.exit_code, r.http_status, r.error, r.output, r.skip_reason,
          r.created_at, r.queue;

-- name: WorkerList
-- Workers seen since @seen_since, and any still holding runs.
SELECT name, queues, last_seen_at FROM workers
WHERE last_seen_at >= @seen_since
   OR name IN (SELECT lease_owner FROM runs WHERE state = 'running' AND queue IS NOT NULL)
ORDER BY name;

-- name: WorkerHeldRuns
SELECT id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target,
       payload, timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter,
       cancel_requested, lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code,
       http_status, error, output, skip_reason, created_at, queue
FROM runs
WHERE state = 'running' AND queue IS NOT NULL
ORDER BY lease_owner, id;

-- name: QueueDepths
-- Queued (ready now or later) and leased runs per queue.
SELECT queue, count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'running')
FROM runs WHERE state IN ('queued', 'running') AND queue IS NOT NULL GROUP BY queue;

-- name: QueueList
SELECT name, max_leased FROM queues ORDER BY name;

-- name: QueueSetLimit
INSERT INTO queues (name, max_leased, updated_at) VALUES (@name, @max_leased, coalesce(@now, now()))
ON CONFLICT (name) DO UPDATE SET max_leased = excluded.max_leased, updated_at = excluded.updated_at;
