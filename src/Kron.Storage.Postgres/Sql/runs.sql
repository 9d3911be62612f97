-- Runs. Each query starts with "-- name: <Name>" (loaded by SqlQueries). Final states are succeeded, failed, dead,
-- skipped, lost and cancelled; queued and running are live. "Now" is coalesce(@now, now()): the operation's Now when a
-- test fakes time, else the database's clock (the transaction's start).

-- name: RunInsert
-- One slot, one run: a second insert for the slot does nothing (a clash on the run id is an error).
INSERT INTO runs (
    id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target, payload,
    timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, cancel_requested,
    lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code, http_status, error, output,
    skip_reason, created_at, queue
) VALUES (
    @id, @job_id, @shard, @scheduled_for, @triggered_by, @attempt, @max_attempts, @state, @ready_at, @priority, @target,
    @payload, @timeout, @delivery, @retry_initial_interval, @retry_max_interval, @retry_multiplier, @retry_jitter,
    @cancel_requested, @lease_owner, @lease_token, @lease_expires_at, @started_at, @finished_at, @node, @exit_code,
    @http_status, @error, @output, @skip_reason, @created_at, @queue
)
ON CONFLICT (job_id, scheduled_for) DO NOTHING;

-- name: RunInsertMany
-- RunInsert for a batch: one statement, each column an array (one element per run, in the column order below), so the
-- server plans and executes once, not once per run. Returns the ids not inserted (a slot that already had a run keeps
-- it): usually none, so a batch reads back no string.
WITH inserted AS (
INSERT INTO runs (
    id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target, payload,
    timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, cancel_requested,
    lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code, http_status, error, output,
    skip_reason, created_at, queue
)
SELECT * FROM unnest(
    @id, @job_id, @shard, @scheduled_for, @triggered_by, @attempt, @max_attempts, @state, @ready_at, @priority, @target,
    @payload, @timeout, @delivery, @retry_initial_interval, @retry_max_interval, @retry_multiplier, @retry_jitter,
    @cancel_requested, @lease_owner, @lease_token, @lease_expires_at, @started_at, @finished_at, @node, @exit_code,
    @http_status, @error, @output, @skip_reason, @created_at, @queue
)
ON CONFLICT (job_id, scheduled_for) DO NOTHING
RETURNING id
)
SELECT u.id FROM unnest(@id) AS u (id)
WHERE NOT EXISTS (SELECT FROM inserted AS i WHERE i.id = u.id);

-- name: RunReadyHint
-- After RunInsert in the same batch: tells the shard's owner that a run is waiting, if it was inserted queued.
SELECT pg_notify('kron_hints', 'run_ready:' || shard) AS hint FROM runs WHERE id = @id AND state = 'queued';

-- name: RunGet
SELECT id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target,
       payload, timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter,
       cancel_requested, lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code,
       http_status, error, output, skip_reason, created_at, queue
FROM runs WHERE id = @id;

-- name: RunList
-- @cursor is the previous page's last id, or a value above every id for the first page (a seek, not a scan).
-- @limit is the page size + 1: the extra row says whether there is a next page.
SELECT id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target,
       payload, timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter,
       cancel_requested, lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code,
       http_status, error, output, skip_reason, created_at, queue
FROM runs
WHERE id < @cursor
ORDER BY id DESC
LIMIT @limit;

-- name: RunListByJob
SELECT id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target,
       payload, timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter,
       cancel_requested, lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code,
       http_status, error, output, skip_reason, created_at, queue
FROM runs
WHERE job_id = @job_id
  AND id < @cursor
  AND (@state::text IS NULL OR state = @state)
ORDER BY id DESC
LIMIT @limit;

-- name: RunListByState
SELECT id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target,
       payload, timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter,
       cancel_requested, lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code,
       http_status, error, output, skip_reason, created_at, queue
FROM runs
WHERE state = @state
  AND id < @cursor
ORDER BY id DESC
LIMIT @limit;

-- name: RunClaim
-- A node's runs only (queue runs wait for workers). Highest priority, then oldest ready, then id. SKIP LOCKED: concurrent claimers take different runs instead of
-- queueing behind each other; a run another claimer changed meanwhile fails the re-check and is left out.
-- @shards (null when not fenced): the fence's shards that ShardFenceLock found held and locked for this transaction.
-- Each claimed run gets a fresh random lease token: completions must present it (fencing).
WITH picked AS (
    SELECT id FROM runs
    WHERE state = 'queued' AND queue IS NULL AND ready_at <= coalesce(@now, now())
      AND (@shards::integer[] IS NULL OR shard = ANY (@shards::integer[]))
    ORDER BY priority DESC, ready_at, id
    LIMIT @limit
    FOR UPDATE SKIP LOCKED
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

-- name: RunStartMany
-- Prepared runs (fired ahead of their slot, leased to this node, started_at null) start only if their leases are still
-- current: an update of the job withdraws them, a cancel or a rescue takes them away. Returns the ids started. The
-- arrays come sorted by id (lock order, as for completions).
UPDATE runs AS r SET started_at = coalesce(@now, now())
FROM unnest(@ids::text[], @lease_tokens::text[]) AS s (id, lease_token)
WHERE r.id = s.id AND r.state = 'running' AND r.lease_token = s.lease_token AND r.started_at IS NULL
RETURNING r.id;

-- name: RunExtendLease
-- The heartbeat also carries the answer to "was I asked to stop?". No row: the lease is no longer this token's.
UPDATE runs SET lease_expires_at = coalesce(@now, now()) + @lease_duration * interval '1 microsecond'
WHERE id = @id AND state = 'running' AND lease_token = @lease_token
RETURNING cancel_requested;

-- name: RunCompleteMany
-- RunComplete for many runs in one statement, when the batch names each run once. Returns the positions (1-based, in
-- the arrays) of the completions accepted. The arrays come sorted by id, so the rows are locked in id order as in the
-- one-statement-per-completion form.
UPDATE runs AS r SET
    state = c.state, finished_at = coalesce(@now, now()), exit_code = c.exit_code, http_status = c.http_status,
    error = c.error, output = c.output, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
    started_at = coalesce(c.started_at, r.started_at)
FROM unnest(@ids::text[], @lease_tokens::text[], @states::text[], @exit_codes::integer[], @http_statuses::integer[],
            @errors::text[], @outputs::text[], @started_ats::timestamptz[]) WITH ORDINALITY
    AS c (id, lease_token, state, exit_code, http_status, error, output, started_at, n)
WHERE r.id = c.id AND r.state = 'running' AND r.lease_token = c.lease_token
RETURNING c.n;

-- name: RunComplete
-- A final outcome, accepted only from the current lease holder. Clearing the token rejects a second completion.
-- @started_at: when the execution actually started on the node (null keeps the instant the lease was taken).
UPDATE runs SET
    state = @state, finished_at = coalesce(@now, now()), exit_code = @exit_code, http_status = @http_status,
    error = @error, output = @output, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
    started_at = coalesce(@started_at, started_at)
WHERE id = @id AND state = 'running' AND lease_token = @lease_token;

-- name: RunRetry
-- Back to the queue for the next attempt (@attempt_step 1), or for the same one (0: a worker's snooze or hand-back);
-- the failed attempt's outcome stays visible until the next one ends.
-- A queued run never carries a cancel request: the request was for the attempt that just ended.
UPDATE runs SET
    state = 'queued', attempt = attempt + @attempt_step, ready_at = coalesce(@ready_at, @now, now()), exit_code = @exit_code,
    http_status = @http_status, error = @error, output = @output, lease_owner = NULL, lease_token = NULL,
    lease_expires_at = NULL, started_at = NULL, cancel_requested = false
WHERE id = @id AND state = 'running' AND lease_token = @lease_token;

-- name: RunRescue
-- The holder of an expired lease died or lost touch; with @owner (null otherwise), a node restarting after a crash
-- also gives up every lease its previous life held, expired or not. At least once: run it again. At most once: the
-- outcome is unknown, so mark it lost rather than risk a second execution. Clearing the token fences off the old
-- holder; a requeued run drops its cancel request like a retry does. A prepared run (fired ahead of its slot, never
-- started: started_at is null) goes back to the queue for its slot with the same attempt, whatever its delivery;
-- @prepared_only rescues only those (a node stopping hands them back). SKIP LOCKED: a run being completed right now is
-- not rescued from under its holder, and two rescuers never wait on each other.
WITH picked AS (
    SELECT id FROM runs
    WHERE state = 'running' AND (lease_expires_at < coalesce(@now, now()) OR lease_owner = @owner)
      AND (NOT @prepared_only OR started_at IS NULL)
    ORDER BY lease_expires_at, id
    LIMIT @limit
    FOR UPDATE SKIP LOCKED
)
UPDATE runs AS r SET
    state = CASE WHEN r.started_at IS NULL OR r.delivery <> 'at_most_once' THEN 'queued' ELSE 'lost' END,
    attempt = CASE WHEN r.started_at IS NULL OR r.delivery = 'at_most_once' THEN r.attempt ELSE r.attempt + 1 END,
    ready_at = CASE WHEN r.started_at IS NULL OR r.delivery = 'at_most_once' THEN r.ready_at ELSE coalesce(@now, now()) END,
    started_at = CASE r.delivery WHEN 'at_most_once' THEN r.started_at END,
    finished_at = CASE WHEN r.started_at IS NOT NULL AND r.delivery = 'at_most_once' THEN coalesce(@now, now()) END,
    error = CASE WHEN r.started_at IS NULL
        THEN 'prepared by ' || coalesce(r.lease_owner, '?') || ', which '
            || CASE WHEN r.lease_expires_at < coalesce(@now, now()) THEN 'stopped renewing it' ELSE 'handed it back' END
            || ' before it started; queued for its slot'
        ELSE 'lease of ' || coalesce(r.lease_owner, '?')
            || CASE WHEN r.lease_expires_at < coalesce(@now, now()) THEN ' expired' ELSE ' abandoned: its owner restarted' END
            || CASE r.delivery
                WHEN 'at_most_once' THEN ': outcome unknown; at_most_once, so it will not be relaunched'
                ELSE '; queued again for attempt ' || (r.attempt + 1)
            END
        END,
    cancel_requested = CASE WHEN r.started_at IS NOT NULL AND r.delivery = 'at_most_once' THEN r.cancel_requested ELSE false END,
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
FROM picked
WHERE r.id = picked.id
RETURNING r.state, r.id, r.job_id, r.attempt, r.error;

-- name: RunDeleteFinished
DELETE FROM runs
WHERE id IN (
    SELECT id FROM runs
    WHERE state IN ('succeeded', 'failed', 'dead', 'skipped', 'lost', 'cancelled') AND finished_at < @finished_before
    ORDER BY finished_at, id
    LIMIT @limit
    FOR UPDATE SKIP LOCKED
);

-- name: RunGetActive
SELECT id, job_id, state, scheduled_for FROM runs
WHERE job_id = ANY (@job_ids::text[]) AND state IN ('queued', 'running')
ORDER BY job_id, scheduled_for, id;

-- name: RunCancel
-- Queued: cancelled now, with the reason as its error. Running: only a request, which the lease holder sees at its
-- next heartbeat and acts on (the run stays running until it completes). Final: untouched, so nothing is returned.
-- @job_id (or null) confines a fire's cancellations to the fired job's runs.
-- A prepared run (running, started_at null: not started yet) is cancelled like a queued one; its node never starts it.
UPDATE runs SET
    state = CASE WHEN state = 'queued' OR started_at IS NULL THEN 'cancelled' ELSE state END,
    finished_at = CASE WHEN state = 'queued' OR started_at IS NULL THEN coalesce(@now, now()) ELSE finished_at END,
    error = CASE WHEN state = 'queued' OR started_at IS NULL THEN @reason ELSE error END,
    cancel_requested = CASE WHEN state = 'running' AND started_at IS NOT NULL THEN true ELSE cancel_requested END,
    lease_owner = CASE WHEN started_at IS NULL THEN NULL ELSE lease_owner END,
    lease_token = CASE WHEN started_at IS NULL THEN NULL ELSE lease_token END,
    lease_expires_at = CASE WHEN started_at IS NULL THEN NULL ELSE lease_expires_at END
WHERE id = @id AND state IN ('queued', 'running') AND (@job_id::text IS NULL OR job_id = @job_id)
RETURNING id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target,
          payload, timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter,
          cancel_requested, lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code,
          http_status, error, output, skip_reason, created_at, queue;

-- name: RunRedrive
-- Finished runs back to the queue with a fresh set of attempts: as many more as the run had (SET reads the old
-- attempt and max_attempts). The last attempt's outcome (error, exit code, status, output) stays visible until the
-- next attempt ends; lease, start, finish, skip reason and cancel request are cleared, and the lease token was
-- already cleared when the run finished, so an old holder stays fenced off. Each redriven run hints its shard's
-- owner. @states is an array of final states; the other filters are null when not asked for (an operator's
-- occasional query).
WITH picked AS (
    SELECT r.id FROM runs AS r
    WHERE r.state = ANY (@states::text[])
      AND (@run_id::text IS NULL OR r.id = @run_id)
      AND (@job_id::text IS NULL OR r.job_id = @job_id)
      AND (@tag::text IS NULL OR EXISTS (SELECT 1 FROM jobs AS j WHERE j.id = r.job_id AND j.tags @> ARRAY[@tag::text]))
      AND (@from::timestamptz IS NULL OR r.scheduled_for >= @from)
      AND (@to::timestamptz IS NULL OR r.scheduled_for < @to)
    ORDER BY r.scheduled_for, r.id
    LIMIT @limit
    FOR UPDATE OF r
),
redriven AS (
    UPDATE runs AS r SET
        state = 'queued', ready_at = coalesce(@now, now()), attempt = r.attempt + 1,
        max_attempts = r.attempt + r.max_attempts, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
        started_at = NULL, finished_at = NULL, skip_reason = NULL, cancel_requested = false
    FROM picked
    WHERE r.id = picked.id
    RETURNING r.id, r.scheduled_for, r.shard
)
SELECT id, pg_notify('kron_hints', 'run_ready:' || shard) AS hint
FROM redriven
ORDER BY scheduled_for, id;

-- name: RunListByQueue
SELECT id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target,
       payload, timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter,
       cancel_requested, lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code,
       http_status, error, output, skip_reason, created_at, queue
FROM runs
WHERE queue = @queue
  AND id < @cursor
  AND (@state::text IS NULL OR state = @state)
ORDER BY id DESC
LIMIT @limit;

-- name: RunCount
-- Counts through runs_state (state, id); finished states other than dead are not counted (they are most rows).
SELECT (SELECT count(*) FROM runs WHERE state = 'queued') AS queued,
       (SELECT count(*) FROM runs WHERE state = 'running') AS running,
       (SELECT count(*) FROM runs WHERE state = 'dead') AS dead;
