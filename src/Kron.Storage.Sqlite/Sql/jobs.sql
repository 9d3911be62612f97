-- Jobs. Each query starts with "-- name: <Name>" (loaded by SqlQueries). Reads return j.* plus the last run:
-- the job's run with the greatest id (ids are time-sortable), found through runs_job.

-- name: JobInsert
INSERT INTO jobs (
    id, tenant, key, name, schedule_kind, schedule_time, cron, time_zone, every, target, payload, retries,
    retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, timeout, concurrency, max_concurrent,
    misfire, starting_deadline, delivery, priority, tags, paused, shard, next_fire_at, created_at, updated_at, version,
    request_hash
) VALUES (
    @id, @tenant, @key, @name, @schedule_kind, @schedule_time, @cron, @time_zone, @every, @target, @payload, @retries,
    @retry_initial_interval, @retry_max_interval, @retry_multiplier, @retry_jitter, @timeout, @concurrency,
    @max_concurrent, @misfire, @starting_deadline, @delivery, @priority, @tags, @paused, @shard, @next_fire_at,
    @created_at, @updated_at, @version, @request_hash
)
ON CONFLICT (tenant, key) WHERE key IS NOT NULL DO NOTHING;

-- name: JobGetByKey
SELECT j.*, r.id AS last_run_id, r.state AS last_run_state, r.scheduled_for AS last_run_scheduled_for,
       r.finished_at AS last_run_finished_at
FROM jobs AS j
LEFT JOIN runs AS r ON r.id = (SELECT max(id) FROM runs WHERE job_id = j.id)
WHERE j.tenant = @tenant AND j.key = @key;

-- name: JobGet
SELECT j.*, r.id AS last_run_id, r.state AS last_run_state, r.scheduled_for AS last_run_scheduled_for,
       r.finished_at AS last_run_finished_at
FROM jobs AS j
LEFT JOIN runs AS r ON r.id = (SELECT max(id) FROM runs WHERE job_id = j.id)
WHERE j.id = @id;

-- name: JobList
-- @cursor is the previous page's last id, or a value above every id for the first page (a seek, not a scan).
-- @limit is the page size + 1: the extra row says whether there is a next page.
SELECT j.*, r.id AS last_run_id, r.state AS last_run_state, r.scheduled_for AS last_run_scheduled_for,
       r.finished_at AS last_run_finished_at
FROM jobs AS j
LEFT JOIN runs AS r ON r.id = (SELECT max(id) FROM runs WHERE job_id = j.id)
WHERE j.id < @cursor
  AND (@paused IS NULL OR j.paused = @paused)
  AND (@tag IS NULL OR EXISTS (SELECT 1 FROM json_each(j.tags) AS t WHERE t.value = @tag))
  AND (@search IS NULL OR instr(lower(coalesce(j.name, '') || ' ' || coalesce(j.key, '') || ' ' || j.id), lower(@search)) > 0)
ORDER BY j.id DESC
LIMIT @limit;

-- name: JobUpdate
-- Compare-and-set on version. id, tenant, key and created_at are never changed.
UPDATE jobs SET
    name = @name, schedule_kind = @schedule_kind, schedule_time = @schedule_time, cron = @cron,
    time_zone = @time_zone, every = @every, target = @target, payload = @payload, retries = @retries,
    retry_initial_interval = @retry_initial_interval, retry_max_interval = @retry_max_interval,
    retry_multiplier = @retry_multiplier, retry_jitter = @retry_jitter, timeout = @timeout,
    concurrency = @concurrency, max_concurrent = @max_concurrent, misfire = @misfire,
    starting_deadline = @starting_deadline,
    delivery = @delivery, priority = @priority, tags = @tags, paused = @paused, shard = @shard,
    next_fire_at = @next_fire_at, updated_at = @updated_at, request_hash = @request_hash,
    version = @expected_version + 1
WHERE id = @id AND version = @expected_version;

-- name: JobExists
SELECT count(*) FROM jobs WHERE id = @id;

-- name: JobDelete
DELETE FROM jobs WHERE id = @id;

-- name: JobCancelQueuedRuns
-- A deleted job's queued and prepared runs (running, not started) will never start; running runs finish and all
-- history stays.
UPDATE runs SET state = 'cancelled', finished_at = @now, error = 'job deleted', lease_owner = NULL, lease_token = NULL,
    lease_expires_at = NULL
WHERE job_id = @id AND (state = 'queued' OR (state = 'running' AND started_at IS NULL));

-- name: JobWithdrawPrepared
-- An updated job's prepared runs (fired ahead of their slot, not started) were made from the old definition.
DELETE FROM runs WHERE job_id = @id AND state = 'running' AND started_at IS NULL
RETURNING scheduled_for;

-- name: JobRewind
-- Back to the earliest withdrawn slot, so it fires again from the new definition.
UPDATE jobs SET next_fire_at = @slot WHERE id = @id AND (next_fire_at IS NULL OR next_fire_at > @slot);

-- name: JobGetDue
-- The trigger needs no last run: the columns are there for the row reader, always null (no join per job).
SELECT j.*, NULL AS last_run_id, NULL AS last_run_state, NULL AS last_run_scheduled_for, NULL AS last_run_finished_at
FROM jobs AS j
WHERE j.paused = 0 AND j.next_fire_at <= @until
  AND (@shards IS NULL OR j.shard IN (SELECT value FROM json_each(@shards)))
ORDER BY j.next_fire_at, j.id
LIMIT @limit;

-- name: JobNextFireAfter
SELECT min(next_fire_at) FROM jobs
WHERE paused = 0 AND next_fire_at > @until
  AND (@shards IS NULL OR shard IN (SELECT value FROM json_each(@shards)));

-- name: JobNextFireAfterByShard
-- Per shard asked about, its earliest slot after the bound (GetDueJobsResult.NextFireAfterByShard). It reads every later
-- job of those shards: a node on SQLite owns every shard unfenced, so only tests (a fenced trigger on a SQLite file)
-- ask; PostgreSQL answers with one index seek per shard.
SELECT shard, min(next_fire_at) FROM jobs
WHERE paused = 0 AND next_fire_at > @until AND shard IN (SELECT value FROM json_each(@shards))
GROUP BY shard;

-- name: JobFire
-- Compare-and-set: only the writer that still sees the expected slot moves the job on. Not a change of the job's
-- definition, so version and updated_at stay. @fires is a JSON array (UTF-8 bytes) of [id, expected_next_fire_at,
-- new_next_fire_at], one statement for a batch (no job twice in one: the caller splits); each finds its job by primary
-- key (INDEXED BY: the primary key's automatic index, as for RunComplete). @shards (JSON array, null when not
-- fenced): the fence's shards still held with their epoch. Returns the ids moved on.
WITH f AS MATERIALIZED (
    SELECT value ->> 0 AS id, value ->> 1 AS expected_next_fire_at, value ->> 2 AS new_next_fire_at
    FROM json_each(CAST(@fires AS TEXT))
)
UPDATE jobs INDEXED BY sqlite_autoindex_jobs_1 SET next_fire_at = f.new_next_fire_at
FROM f
WHERE jobs.id = f.id AND jobs.next_fire_at = f.expected_next_fire_at
  AND (@shards IS NULL OR jobs.shard IN (SELECT value FROM json_each(@shards)))
RETURNING jobs.id;
