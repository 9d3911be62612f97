-- Jobs. Each query starts with "-- name: <Name>" (loaded by SqlQueries). Reads return every column (listed, never *: a
-- prepared statement must not change shape when a later migration adds a column) plus the last run: the
-- job's run with the greatest id (ids are time-sortable), one backward step on runs_job.
-- Writes that change what a shard's owner must schedule send a hint, delivered at commit to every listening node:
-- pg_notify('kron_hints', 'job_changed:<shard>'). PostgreSQL folds identical notifications of one transaction.

-- name: JobInsert
-- The job as stored when it was inserted (no row when its key is taken in the tenant: no hint either; JobGetInserted
-- then reads the job holding the key). The hint CTE runs because the final SELECT reads it.
WITH inserted AS (
    INSERT INTO jobs (
        id, tenant, key, name, schedule_kind, schedule_time, cron, time_zone, every, target, payload, retries,
        retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, timeout, concurrency,
        max_concurrent, misfire, starting_deadline, delivery, priority, tags, paused, shard, next_fire_at, created_at,
        updated_at, version, request_hash
    ) VALUES (
        @id, @tenant, @key, @name, @schedule_kind, @schedule_time, @cron, @time_zone, @every, @target, @payload,
        @retries, @retry_initial_interval, @retry_max_interval, @retry_multiplier, @retry_jitter, @timeout,
        @concurrency, @max_concurrent, @misfire, @starting_deadline, @delivery, @priority, @tags, @paused, @shard,
        @next_fire_at, @created_at, @updated_at, @version, @request_hash
    )
    ON CONFLICT (tenant, key) WHERE key IS NOT NULL DO NOTHING
    RETURNING id, tenant, key, name, schedule_kind, schedule_time, cron, time_zone, every, target, payload, retries,
              retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, timeout, concurrency,
              max_concurrent, misfire, starting_deadline, delivery, priority, tags, paused, shard, next_fire_at, created_at,
              updated_at, version, request_hash
),
hint AS (
    SELECT count(pg_notify('kron_hints', 'job_changed:' || shard)) AS sent FROM inserted
)
SELECT i.*, NULL::text AS last_run_id, NULL::text AS last_run_state, NULL::timestamptz AS last_run_scheduled_for,
       NULL::timestamptz AS last_run_finished_at
FROM inserted AS i CROSS JOIN hint;

-- name: JobGetInserted
-- Right after JobInsert, in the same batch, read only when JobInsert returned no row: the job that holds the key. Under
-- read committed this statement takes a new snapshot, so the winner of a concurrent insert of the key, which JobInsert
-- waited for, is seen. Without a key it returns nothing at once (a plain id lookup here cost 0.6 ms a call, measured,
-- as a generic plan of "id = @id OR key = @key").
SELECT j.id, j.tenant, j.key, j.name, j.schedule_kind, j.schedule_time, j.cron, j.time_zone, j.every, j.target,
       j.payload, j.retries, j.retry_initial_interval, j.retry_max_interval, j.retry_multiplier, j.retry_jitter,
       j.timeout, j.concurrency, j.max_concurrent, j.misfire, j.starting_deadline, j.delivery, j.priority, j.tags,
       j.paused, j.shard, j.next_fire_at, j.created_at, j.updated_at, j.version, j.request_hash,
       r.id AS last_run_id, r.state AS last_run_state, r.scheduled_for AS last_run_scheduled_for,
       r.finished_at AS last_run_finished_at
FROM jobs AS j
LEFT JOIN LATERAL (
    SELECT id, state, scheduled_for, finished_at FROM runs WHERE job_id = j.id ORDER BY id DESC LIMIT 1
) AS r ON true
WHERE @key::text IS NOT NULL AND j.tenant = @tenant AND j.key = @key;

-- name: JobGet
SELECT j.id, j.tenant, j.key, j.name, j.schedule_kind, j.schedule_time, j.cron, j.time_zone, j.every, j.target,
       j.payload, j.retries, j.retry_initial_interval, j.retry_max_interval, j.retry_multiplier, j.retry_jitter,
       j.timeout, j.concurrency, j.max_concurrent, j.misfire, j.starting_deadline, j.delivery, j.priority, j.tags,
       j.paused, j.shard, j.next_fire_at, j.created_at, j.updated_at, j.version, j.request_hash,
       r.id AS last_run_id, r.state AS last_run_state, r.scheduled_for AS last_run_scheduled_for,
       r.finished_at AS last_run_finished_at
FROM jobs AS j
LEFT JOIN LATERAL (
    SELECT id, state, scheduled_for, finished_at FROM runs WHERE job_id = j.id ORDER BY id DESC LIMIT 1
) AS r ON true
WHERE j.id = @id;

-- name: JobList
-- @cursor is the previous page's last id, or a value above every id for the first page (a seek, not a scan).
-- @limit is the page size + 1: the extra row says whether there is a next page.
SELECT j.id, j.tenant, j.key, j.name, j.schedule_kind, j.schedule_time, j.cron, j.time_zone, j.every, j.target,
       j.payload, j.retries, j.retry_initial_interval, j.retry_max_interval, j.retry_multiplier, j.retry_jitter,
       j.timeout, j.concurrency, j.max_concurrent, j.misfire, j.starting_deadline, j.delivery, j.priority, j.tags,
       j.paused, j.shard, j.next_fire_at, j.created_at, j.updated_at, j.version, j.request_hash,
       r.id AS last_run_id, r.state AS last_run_state, r.scheduled_for AS last_run_scheduled_for,
       r.finished_at AS last_run_finished_at
FROM jobs AS j
LEFT JOIN LATERAL (
    SELECT id, state, scheduled_for, finished_at FROM runs WHERE job_id = j.id ORDER BY id DESC LIMIT 1
) AS r ON true
WHERE j.id < @cursor
  AND (@paused::boolean IS NULL OR j.paused = @paused)
  AND (@tag::text IS NULL OR j.tags @> ARRAY[@tag::text])
  AND (@search::text IS NULL OR strpos(lower(coalesce(j.name, '') || ' ' || coalesce(j.key, '') || ' ' || j.id), lower(@search::text)) > 0)
ORDER BY j.id DESC
LIMIT @limit;

-- name: JobUpdate
-- Compare-and-set on version. id, tenant, key and created_at are never changed. No row: not updated (JobExists
-- tells a conflict from a missing job).
WITH updated AS (
    UPDATE jobs SET
        name = @name, schedule_kind = @schedule_kind, schedule_time = @schedule_time, cron = @cron,
        time_zone = @time_zone, every = @every, target = @target, payload = @payload, retries = @retries,
        retry_initial_interval = @retry_initial_interval, retry_max_interval = @retry_max_interval,
        retry_multiplier = @retry_multiplier, retry_jitter = @retry_jitter, timeout = @timeout,
        concurrency = @concurrency, max_concurrent = @max_concurrent, misfire = @misfire,
        starting_deadline = @starting_deadline, delivery = @delivery, priority = @priority, tags = @tags,
        paused = @paused, shard = @shard,
        -- Unless the schedule changed: back to the earliest slot withdrawn below, which then fires again.
        next_fire_at = CASE WHEN @schedule_changed THEN @next_fire_at ELSE least(@next_fire_at, (
            SELECT min(scheduled_for) FROM runs WHERE job_id = @id AND state = 'running' AND started_at IS NULL)) END,
        updated_at = @updated_at, request_hash = @request_hash, version = @expected_version + 1
    WHERE id = @id AND version = @expected_version
    RETURNING id, tenant, key, name, schedule_kind, schedule_time, cron, time_zone, every, target, payload, retries,
              retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, timeout, concurrency,
              max_concurrent, misfire, starting_deadline, delivery, priority, tags, paused, shard, next_fire_at,
              created_at, updated_at, version, request_hash
),
withdrawn AS (
    -- Prepared runs (fired ahead of their slot, leased to a node, not started) were made from the old definition.
    DELETE FROM runs
    WHERE job_id = @id AND state = 'running' AND started_at IS NULL AND EXISTS (SELECT 1 FROM updated)
)
SELECT u.id, u.tenant, u.key, u.name, u.schedule_kind, u.schedule_time, u.cron, u.time_zone, u.every, u.target,
       u.payload, u.retries, u.retry_initial_interval, u.retry_max_interval, u.retry_multiplier, u.retry_jitter,
       u.timeout, u.concurrency, u.max_concurrent, u.misfire, u.starting_deadline, u.delivery, u.priority, u.tags,
       u.paused, u.shard, u.next_fire_at, u.created_at, u.updated_at, u.version, u.request_hash,
       r.id AS last_run_id, r.state AS last_run_state, r.scheduled_for AS last_run_scheduled_for,
       r.finished_at AS last_run_finished_at, pg_notify('kron_hints', 'job_changed:' || u.shard) AS hint
FROM updated AS u
LEFT JOIN LATERAL (
    SELECT id, state, scheduled_for, finished_at FROM runs WHERE job_id = u.id ORDER BY id DESC LIMIT 1
) AS r ON true;

-- name: JobExists
SELECT EXISTS (SELECT 1 FROM jobs WHERE id = @id);

-- name: JobDelete
-- One statement: delete the job, cancel its queued and prepared runs (they will never start; running runs finish and all history
-- stays), hint its shard's owner. No row: there was no such job.
WITH deleted AS (
    DELETE FROM jobs WHERE id = @id RETURNING id, shard
),
cancelled AS (
    UPDATE runs SET state = 'cancelled', finished_at = coalesce(@now, now()), error = 'job deleted',
        lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
    WHERE job_id IN (SELECT id FROM deleted) AND (state = 'queued' OR (state = 'running' AND started_at IS NULL))
    RETURNING 1
)
SELECT (SELECT count(*) FROM cancelled)::integer AS cancelled,
       pg_notify('kron_hints', 'job_changed:' || d.shard) AS hint
FROM deleted AS d;

-- name: JobGetDue
-- Every shard: one scan of the unpaused jobs' slots. Nodes that own shards use JobGetDueInShards.
-- The trigger needs no last run: the columns are there for the row reader, always null (no join per job).
SELECT j.id, j.tenant, j.key, j.name, j.schedule_kind, j.schedule_time, j.cron, j.time_zone, j.every, j.target,
       j.payload, j.retries, j.retry_initial_interval, j.retry_max_interval, j.retry_multiplier, j.retry_jitter,
       j.timeout, j.concurrency, j.max_concurrent, j.misfire, j.starting_deadline, j.delivery, j.priority, j.tags,
       j.paused, j.shard, j.next_fire_at, j.created_at, j.updated_at, j.version, j.request_hash,
       NULL::text AS last_run_id, NULL::text AS last_run_state, NULL::timestamptz AS last_run_scheduled_for,
       NULL::timestamptz AS last_run_finished_at
FROM jobs AS j
WHERE NOT j.paused AND j.next_fire_at <= @until
ORDER BY j.next_fire_at, j.id
LIMIT @limit;

-- name: JobGetDueInShards
-- Per shard, a range scan of jobs_due that stops after @per_shard rows; the earliest @limit of those win. The driver
-- keeps @per_shard small (about twice @limit over the shards), so a pass reads O(@limit) rows, not every due job of
-- every shard; when a shard had more, the driver reports a due job right away and the trigger passes again. The range
-- starts at the shard's @froms instant when the caller knows one (else -infinity): below it lie the entries of fired
-- jobs' old slots until vacuum removes them, and a scan from the start of the range reads them all.
SELECT j.id, j.tenant, j.key, j.name, j.schedule_kind, j.schedule_time, j.cron, j.time_zone, j.every, j.target,
       j.payload, j.retries, j.retry_initial_interval, j.retry_max_interval, j.retry_multiplier, j.retry_jitter,
       j.timeout, j.concurrency, j.max_concurrent, j.misfire, j.starting_deadline, j.delivery, j.priority, j.tags,
       j.paused, j.shard, j.next_fire_at, j.created_at, j.updated_at, j.version, j.request_hash,
       NULL::text AS last_run_id, NULL::text AS last_run_state, NULL::timestamptz AS last_run_scheduled_for,
       NULL::timestamptz AS last_run_finished_at
FROM unnest(@shards::integer[], @froms::timestamptz[]) AS s (shard, from_at)
CROSS JOIN LATERAL (
    SELECT id, tenant, key, name, schedule_kind, schedule_time, cron, time_zone, every, target, payload, retries,
           retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, timeout, concurrency,
           max_concurrent, misfire, starting_deadline, delivery, priority, tags, paused, shard, next_fire_at,
           created_at, updated_at, version, request_hash
    FROM jobs
    WHERE shard = s.shard AND NOT paused AND next_fire_at >= coalesce(s.from_at, '-infinity') AND next_fire_at <= @until
    ORDER BY next_fire_at, id
    LIMIT @per_shard
) AS j
ORDER BY j.next_fire_at, j.id
LIMIT @limit;

-- name: JobNextFireAfter
SELECT min(next_fire_at) FROM jobs WHERE NOT paused AND next_fire_at > @until;

-- name: JobNextFireAfterInShards
-- One index seek per shard; a row per shard that has a later slot (the trigger keeps them, design.md 4.3).
SELECT s.shard, n.next_fire_at
FROM unnest(@shards::integer[]) AS s (shard)
CROSS JOIN LATERAL (
    SELECT min(next_fire_at) AS next_fire_at FROM jobs WHERE shard = s.shard AND NOT paused AND next_fire_at > @until
) AS n
WHERE n.next_fire_at IS NOT NULL;

-- name: JobFireMany
-- JobFire for many jobs in one statement (one executor start instead of one per job, measured at 0.05 ms each),
-- when the batch names each job once. Returns the positions (1-based, in the arrays) of the fires whose compare-and-set
-- won: integers, not ids to read back as strings. The arrays come sorted by id, so the rows are locked in id order as
-- in the one-statement-per-fire form.
UPDATE jobs AS j SET next_fire_at = f.new_next_fire_at
FROM unnest(@ids::text[], @expected_next_fire_ats::timestamptz[], @new_next_fire_ats::timestamptz[]) WITH ORDINALITY
    AS f (id, expected_next_fire_at, new_next_fire_at, n)
WHERE j.id = f.id AND j.next_fire_at = f.expected_next_fire_at
  AND (@shards::integer[] IS NULL OR j.shard = ANY (@shards::integer[]))
RETURNING f.n;

-- name: JobFire
-- Compare-and-set: only the writer that still sees the expected slot moves the job on. Not a change of the job's
-- definition, so version and updated_at stay. @shards (null when not fenced): the fence's shards that ShardFenceLock
-- found held with their epoch and locked for this transaction.
UPDATE jobs SET next_fire_at = @new_next_fire_at
WHERE id = @id AND next_fire_at = @expected_next_fire_at
  AND (@shards::integer[] IS NULL OR shard = ANY (@shards::integer[]));

-- name: TablesNeverAnalyzed
-- Of jobs and runs, those PostgreSQL has never analyzed (no statistics: plans assume a near-empty table).
SELECT relname FROM pg_stat_user_tables
WHERE relid IN ('jobs'::regclass, 'runs'::regclass) AND last_analyze IS NULL AND last_autoanalyze IS NULL
ORDER BY relname;
