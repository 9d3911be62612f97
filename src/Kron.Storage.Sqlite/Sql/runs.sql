-- Runs. Each query starts with "-- name: <Name>" (loaded by SqlQueries). Final states are succeeded, failed, dead,
-- skipped, lost and cancelled; queued and running are live.

-- name: RunInsert
-- One slot, one run: a second insert for the slot does nothing.
INSERT INTO runs (
    id, job_id, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target, payload,
    timeout, delivery, lease_owner, lease_token, lease_expires_at, started_at, finished_at, node, exit_code,
    http_status, error, output, skip_reason, created_at
) VALUES (
    @id, @job_id, @scheduled_for, @triggered_by, @attempt, @max_attempts, @state, @ready_at, @priority, @target,
    @payload, @timeout, @delivery, @lease_owner, @lease_token, @lease_expires_at, @started_at, @finished_at, @node,
    @exit_code, @http_status, @error, @output, @skip_reason, @created_at
)
ON CONFLICT (job_id, scheduled_for) DO NOTHING;

-- name: RunGet
SELECT * FROM runs WHERE id = @id;

-- name: RunList
-- Three list queries rather than one with "@x IS NULL OR" filters, which SQLite cannot serve from an index.
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

-- name: RunClaim
-- Each claimed run gets a fresh random lease token: completions must present it (fencing).
UPDATE runs SET
    state = 'running', lease_owner = @owner, node = @owner, lease_token = lower(hex(randomblob(16))),
    lease_expires_at = @lease_expires_at, started_at = @now
WHERE id IN (
    SELECT id FROM runs INDEXED BY runs_claim
    WHERE state = 'queued' AND ready_at <= @now
    ORDER BY priority DESC, ready_at, id
    LIMIT @limit
)
RETURNING *;

-- name: RunExtendLease
UPDATE runs SET lease_expires_at = @lease_expires_at
WHERE id = @id AND state = 'running' AND lease_token = @lease_token;

-- name: RunComplete
-- A final outcome, accepted only from the current lease holder. Clearing the token rejects a second completion.
UPDATE runs SET
    state = @state, finished_at = @now, exit_code = @exit_code, http_status = @http_status, error = @error,
    output = @output, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE id = @id AND state = 'running' AND lease_token = @lease_token;

-- name: RunRetry
-- Back to the queue for the next attempt; the failed attempt's outcome stays visible until the next one ends.
UPDATE runs SET
    state = 'queued', attempt = attempt + 1, ready_at = @ready_at, exit_code = @exit_code,
    http_status = @http_status, error = @error, output = @output, lease_owner = NULL, lease_token = NULL,
    lease_expires_at = NULL, started_at = NULL
WHERE id = @id AND state = 'running' AND lease_token = @lease_token;

-- name: RunRescue
-- The holder of an expired lease died or lost touch. At least once: run it again. At most once: the outcome is
-- unknown, so mark it lost rather than risk a second execution. Clearing the token fences off the old holder.
UPDATE runs SET
    state = CASE delivery WHEN 'at_most_once' THEN 'lost' ELSE 'queued' END,
    attempt = CASE delivery WHEN 'at_most_once' THEN attempt ELSE attempt + 1 END,
    ready_at = CASE delivery WHEN 'at_most_once' THEN ready_at ELSE @now END,
    started_at = CASE delivery WHEN 'at_most_once' THEN started_at ELSE NULL END,
    finished_at = CASE delivery WHEN 'at_most_once' THEN @now ELSE NULL END,
    error = CASE delivery
        WHEN 'at_most_once' THEN 'lease of ' || coalesce(lease_owner, '?') || ' expired: outcome unknown; '
            || 'at_most_once, so it will not be relaunched'
        ELSE 'lease of ' || coalesce(lease_owner, '?') || ' expired; queued again for attempt ' || (attempt + 1)
    END,
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE id IN (
    SELECT id FROM runs INDEXED BY runs_lease
    WHERE state = 'running' AND lease_expires_at < @now
    ORDER BY lease_expires_at, id
    LIMIT @limit
)
RETURNING state;

-- name: RunDeleteFinished
DELETE FROM runs
WHERE id IN (
    SELECT id FROM runs INDEXED BY runs_finished
    WHERE state IN ('succeeded', 'failed', 'dead', 'skipped', 'lost', 'cancelled') AND finished_at < @finished_before
    ORDER BY finished_at, id
    LIMIT @limit
);
