-- Runs. Each query starts with "-- name: <Name>" (loaded by SqlQueries). Final states are succeeded, failed, dead,
-- skipped, lost and cancelled; queued and running are live.

-- name: RunInsert
-- One slot, one run: a second insert for the slot does nothing. @runs is a JSON array of runs, each an array of its
-- columns in the order below (RunRows.WriteJson), passed as UTF-8 bytes: one statement for a batch, no parameter per
-- column and run. "WHERE true" keeps SQLite from reading ON CONFLICT as a join constraint. Returns the ids inserted.
INSERT INTO runs (
    id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target, payload,
    timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, cancel_requested,
    lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code, http_status, error, output,
    skip_reason, created_at, queue
)
SELECT
    r ->> 0, r ->> 1, r ->> 2, r ->> 3, r ->> 4, r ->> 5, r ->> 6, r ->> 7, r ->> 8, r ->> 9, r ->> 10, r ->> 11,
    r ->> 12, r ->> 13, r ->> 14, r ->> 15, r ->> 16, r ->> 17, r ->> 18,
    r ->> 19, r ->> 20, r ->> 21, r ->> 22, r ->> 23, r ->> 24, r ->> 25, r ->> 26, r ->> 27, r ->> 28,
    r ->> 29, r ->> 30, r ->> 31
FROM (SELECT value AS r FROM json_each(CAST(@runs AS TEXT)))
WHERE true
ON CONFLICT (job_id, scheduled_for) DO NOTHING
RETURNING id;

-- name: RunGet
SELECT * FROM runs WHERE id = @id;

-- name: RunList
-- Separate list queries rather than one with "@x IS NULL OR" filters, which SQLite cannot serve from an index.
-- @cursor is the previous page's last id, or a value above every id for the first page (a seek, not a scan).
-- @limit is the page size + 1: the extra row says whether there is a next page.
SELECT * FROM runs
WHERE id < @cursor
ORDER BY id DESC
LIMIT @limit;

-- name: RunListByJob
SELECT * FROM runs
WHERE job_id = @job_id
  AND id < @cursor
  AND (@state IS NULL OR state = @state)
ORDER BY id DESC
LIMIT @limit;

-- name: RunListByState
SELECT * FROM runs
WHERE state = @state
  AND id < @cursor
ORDER BY id DESC
LIMIT @limit;

-- name: RunListByQueue
SELECT * FROM runs INDEXED BY runs_queue_list
WHERE queue = @queue
  AND id < @cursor
  AND (@state IS NULL OR state = @state)
ORDER BY id DESC
LIMIT @limit;

-- name: RunClaim
-- A node's runs only (queue runs wait for workers). Each claimed run gets a fresh random lease token: completions must present it (fencing). @shards (a JSON array)
-- is null when the claim is not fenced; otherwise only runs of those shards (the fence's held shards) are claimed.
UPDATE runs SET
    state = 'running', lease_owner = @owner, node = @owner, lease_token = lower(hex(randomblob(16))),
    lease_expires_at = @lease_expires_at, started_at = @now
WHERE id IN (
    SELECT id FROM runs INDEXED BY runs_claim
    WHERE state = 'queued' AND queue IS NULL AND ready_at <= @now
      AND (@shards IS NULL OR shard IN (SELECT value FROM json_each(@shards)))
    ORDER BY priority DESC, ready_at, id
    LIMIT @limit
)
RETURNING *;

-- name: RunStartMany
-- Prepared runs (fired ahead of their slot, leased to their node, started_at null) start only if their leases are
-- still current: an update of the job withdraws them, a cancel or a rescue takes them away. @leases is a JSON array of
-- [id, lease_token] pairs; one statement for the batch, each pair a primary-key lookup (the row-value IN is probed by
-- id; an UPDATE ... FROM json_each would let the planner scan the JSON once per run). Returns the ids started.
UPDATE runs SET started_at = @now
WHERE (id, lease_token) IN (SELECT value ->> 0, value ->> 1 FROM json_each(@leases))
  AND state = 'running' AND started_at IS NULL
RETURNING id;

-- name: RunExtendLease
-- The heartbeat also carries the answer to "was I asked to stop?".
UPDATE runs SET lease_expires_at = @lease_expires_at
WHERE id = @id AND state = 'running' AND lease_token = @lease_token
RETURNING cancel_requested;

-- name: RunComplete
-- Outcomes of runs, accepted only from the current lease holder; clearing the token rejects a second completion.
-- @completions is a JSON array (UTF-8 bytes) of [id, lease_token, state, exit_code, http_status, error, output,
-- started_at, ready_at, attempt_step, retry], one statement for a batch (no run twice in one: the caller splits).
-- A final outcome (retry 0): started_at is when the execution actually started on the node (null keeps the instant
-- the lease was taken). A retry (1) goes back to the queue for the next attempt (attempt_step 1), or for the same one
-- (0: a worker's snooze or hand-back); the failed attempt's outcome stays visible until the next one ends, and a
-- queued run never carries a cancel request: the request was for the attempt that just ended.
-- The completions are materialized, then each finds its run by primary key: INDEXED BY forces that order (left to
-- itself, SQLite 3.50 walks every running run through runs_state and scans the completions for each, which a burst
-- of 20,000 prepared runs made cost 0.4 ms per run). Returns the ids accepted.
WITH c AS MATERIALIZED (
    SELECT value ->> 0 AS id, value ->> 1 AS lease_token, value ->> 2 AS state, value ->> 3 AS exit_code,
           value ->> 4 AS http_status, value ->> 5 AS error, value ->> 6 AS output, value ->> 7 AS started_at,
           value ->> 8 AS ready_at, value ->> 9 AS attempt_step, value ->> 10 AS retry
    FROM json_each(CAST(@completions AS TEXT))
)
UPDATE runs INDEXED BY sqlite_autoindex_runs_1 SET
    state = c.state,
    finished_at = CASE WHEN c.retry THEN runs.finished_at ELSE @now END,
    attempt = CASE WHEN c.retry THEN runs.attempt + c.attempt_step ELSE runs.attempt END,
    ready_at = CASE WHEN c.retry THEN c.ready_at ELSE runs.ready_at END,
    exit_code = c.exit_code, http_status = c.http_status, error = c.error, output = c.output,
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
    started_at = CASE WHEN c.retry THEN NULL ELSE coalesce(c.started_at, runs.started_at) END,
    cancel_requested = CASE WHEN c.retry THEN 0 ELSE runs.cancel_requested END
FROM c
WHERE runs.id = c.id AND runs.state = 'running' AND runs.lease_token = c.lease_token
RETURNING runs.id;

-- name: RunRescue
-- The holder of an expired lease died or lost touch; with @owner (null otherwise), a node restarting after a crash
-- also gives up every lease its previous life held, expired or not. At least once: run it again. At most once: the
-- outcome is unknown, so mark it lost rather than risk a second execution. Clearing the token fences off the old
-- holder; a requeued run drops its cancel request like a retry does.
-- The OR cannot seek the expired range of runs_lease, so this walks the running runs in lease order up to @limit:
-- running runs are few (executor slots bound them), and the walk needs no sort.
-- A prepared run (fired ahead of its slot, never started: started_at is null) goes back to the queue for its slot with
-- the same attempt, whatever its delivery; @prepared_only (1) rescues only those (a node stopping hands them back).
UPDATE runs SET
    state = CASE WHEN started_at IS NULL OR delivery <> 'at_most_once' THEN 'queued' ELSE 'lost' END,
    attempt = CASE WHEN started_at IS NULL OR delivery = 'at_most_once' THEN attempt ELSE attempt + 1 END,
    ready_at = CASE WHEN started_at IS NULL OR delivery = 'at_most_once' THEN ready_at ELSE @now END,
    started_at = CASE delivery WHEN 'at_most_once' THEN started_at ELSE NULL END,
    finished_at = CASE WHEN started_at IS NULL OR delivery <> 'at_most_once' THEN NULL ELSE @now END,
    error = CASE WHEN started_at IS NULL
        THEN 'prepared by ' || coalesce(lease_owner, '?') || ', which '
            || CASE WHEN lease_expires_at < @now THEN 'stopped renewing it' ELSE 'handed it back' END
            || ' before it started; queued for its slot'
        ELSE 'lease of ' || coalesce(lease_owner, '?')
            || CASE WHEN lease_expires_at < @now THEN ' expired' ELSE ' abandoned: its owner restarted' END
            || CASE delivery
                WHEN 'at_most_once' THEN ': outcome unknown; at_most_once, so it will not be relaunched'
                ELSE '; queued again for attempt ' || (attempt + 1)
            END
        END,
    cancel_requested = CASE WHEN started_at IS NULL OR delivery <> 'at_most_once' THEN 0 ELSE cancel_requested END,
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE id IN (
    SELECT id FROM runs INDEXED BY runs_lease
    WHERE state = 'running' AND (lease_expires_at < @now OR lease_owner = @owner)
      AND (@prepared_only = 0 OR started_at IS NULL)
    ORDER BY lease_expires_at, id
    LIMIT @limit
)
RETURNING state, id, job_id, attempt, error;

-- name: RunDeleteFinished
DELETE FROM runs
WHERE id IN (
    SELECT id FROM runs INDEXED BY runs_finished
    WHERE state IN ('succeeded', 'failed', 'dead', 'skipped', 'lost', 'cancelled') AND finished_at < @finished_before
    ORDER BY finished_at, id
    LIMIT @limit
);

-- name: RunGetActive
-- @job_ids is a JSON array of job ids.
SELECT id, job_id, state, scheduled_for FROM runs INDEXED BY runs_active
WHERE job_id IN (SELECT value FROM json_each(@job_ids)) AND state IN ('queued', 'running')
ORDER BY job_id, scheduled_for, id;

-- name: RunCancel
-- Queued: cancelled now, with the reason as its error. Running: only a request, which the lease holder sees at its
-- next heartbeat and acts on (the run stays running until it completes). Final: untouched, so nothing is returned.
-- @job_id (or null) confines a fire's cancellations to the fired job's runs.
-- A prepared run (running, started_at null: not started yet) is cancelled like a queued one; its node never starts it.
UPDATE runs SET
    state = CASE WHEN state = 'queued' OR started_at IS NULL THEN 'cancelled' ELSE state END,
    finished_at = CASE WHEN state = 'queued' OR started_at IS NULL THEN @now ELSE finished_at END,
    error = CASE WHEN state = 'queued' OR started_at IS NULL THEN @reason ELSE error END,
    cancel_requested = CASE WHEN state = 'running' AND started_at IS NOT NULL THEN 1 ELSE cancel_requested END,
    lease_owner = CASE WHEN started_at IS NULL THEN NULL ELSE lease_owner END,
    lease_token = CASE WHEN started_at IS NULL THEN NULL ELSE lease_token END,
    lease_expires_at = CASE WHEN started_at IS NULL THEN NULL ELSE lease_expires_at END
WHERE id = @id AND state IN ('queued', 'running') AND (@job_id IS NULL OR job_id = @job_id)
RETURNING *;

-- name: RunRedrive
-- Finished runs back to the queue with a fresh set of attempts: as many more as the run had (SET reads the old
-- attempt and max_attempts). The last attempt's outcome (error, exit code, status, output) stays visible until the
-- next attempt ends; lease, start, finish, skip reason and cancel request are cleared, and the lease token was
-- already cleared when the run finished, so an old holder stays fenced off.
-- @states is a JSON array of final states; the other filters are null when not asked for. An operator's occasional
-- query, so "@x IS NULL OR" filters are fine here: the state IN list seeks runs_state.
UPDATE runs SET
    state = 'queued', ready_at = @now, attempt = attempt + 1, max_attempts = attempt + max_attempts,
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, started_at = NULL, finished_at = NULL,
    skip_reason = NULL, cancel_requested = 0
WHERE id IN (
    SELECT r.id FROM runs AS r
    WHERE r.state IN (SELECT value FROM json_each(@states))
      AND (@run_id IS NULL OR r.id = @run_id)
      AND (@job_id IS NULL OR r.job_id = @job_id)
      AND (@tag IS NULL OR EXISTS (
          SELECT 1 FROM jobs AS j, json_each(j.tags) AS t WHERE j.id = r.job_id AND t.value = @tag))
      AND (@from IS NULL OR r.scheduled_for >= @from)
      AND (@to IS NULL OR r.scheduled_for < @to)
    ORDER BY r.scheduled_for, r.id
    LIMIT @limit
)
RETURNING id, scheduled_for;

-- name: RunCount
-- Index-only counts through runs_state (state, id); finished states other than dead are not counted (they are most rows).
SELECT (SELECT count(*) FROM runs INDEXED BY runs_state WHERE state = 'queued') AS queued,
       (SELECT count(*) FROM runs INDEXED BY runs_state WHERE state = 'running') AS running,
       (SELECT count(*) FROM runs INDEXED BY runs_state WHERE state = 'dead') AS dead;
