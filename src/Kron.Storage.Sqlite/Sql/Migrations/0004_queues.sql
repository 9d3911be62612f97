-- Kron schema version 4: queue targets (issue 7). A run of a queue target waits in its queue for a worker to lease
-- it (POST /v1/workers/lease) instead of being executed by a node. Instants are INTEGER microseconds.

-- The queue a worker leases the run from; null for runs a node executes (http, shell, noop).
ALTER TABLE runs ADD COLUMN queue TEXT;
UPDATE runs SET queue = json_extract(target, '$.queue') WHERE json_extract(target, '$.type') = 'queue';

-- A node claims only the runs it executes: queue runs must not fill its claim index.
DROP INDEX runs_claim;
CREATE INDEX runs_claim ON runs (priority DESC, ready_at, id) WHERE state = 'queued' AND queue IS NULL;

-- Workers lease per queue: highest priority, then oldest slot first.
CREATE INDEX runs_queue ON runs (queue, priority DESC, scheduled_for, id) WHERE state = 'queued' AND queue IS NOT NULL;

-- The runs each queue has leased now (limits) and each worker holds (GET /v1/workers).
CREATE INDEX runs_queue_leased ON runs (queue, lease_owner) WHERE state = 'running' AND queue IS NOT NULL;

-- The runs of a queue newest first (GET /v1/runs?queue=).
CREATE INDEX runs_queue_list ON runs (queue, id) WHERE queue IS NOT NULL;

-- A queue's limit on runs leased at once; a queue without a row has none.
CREATE TABLE queues (
    name       TEXT    NOT NULL PRIMARY KEY,
    max_leased INTEGER,
    updated_at INTEGER NOT NULL
) STRICT;

-- Workers as last seen (a lease call or a heartbeat); name is the lease owner ("worker:" and the worker's name).
CREATE TABLE workers (
    name         TEXT    NOT NULL PRIMARY KEY,
    queues       TEXT    NOT NULL, -- JSON array
    last_seen_at INTEGER NOT NULL
) STRICT;
