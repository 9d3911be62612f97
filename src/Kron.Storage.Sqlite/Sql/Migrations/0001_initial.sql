-- Kron schema version 1: jobs and their runs.
-- Instants are INTEGER microseconds since the Unix epoch (UTC); durations are INTEGER microseconds.
-- Enums are their snake_case wire names (WireNames). No foreign keys: runs outlive deleted jobs (history).

CREATE TABLE jobs (
    id                TEXT    NOT NULL PRIMARY KEY,
    tenant            TEXT    NOT NULL,
    key               TEXT,
    name              TEXT,
    schedule_kind     TEXT    NOT NULL,
    schedule_time     INTEGER,
    cron              TEXT,
    time_zone         TEXT    NOT NULL,
    every             INTEGER,
    target            TEXT    NOT NULL,
    payload           TEXT,
    retries           INTEGER NOT NULL,
    timeout           INTEGER NOT NULL,
    concurrency       TEXT    NOT NULL,
    misfire           TEXT    NOT NULL,
    starting_deadline INTEGER,
    delivery          TEXT    NOT NULL,
    priority          INTEGER NOT NULL,
    tags              TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
    paused            INTEGER NOT NULL,              -- 0 or 1
    shard             INTEGER NOT NULL,
    next_fire_at      INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    request_hash      TEXT
) STRICT;

-- A client key is unique per tenant: registering it again returns the existing job.
CREATE UNIQUE INDEX jobs_tenant_key ON jobs (tenant, key) WHERE key IS NOT NULL;

-- Due jobs, earliest first (GetDueJobs), and the earliest slot after a bound.
CREATE INDEX jobs_due ON jobs (next_fire_at, id) WHERE paused = 0;

CREATE TABLE runs (
    id               TEXT    NOT NULL PRIMARY KEY,
    job_id           TEXT    NOT NULL,
    scheduled_for    INTEGER NOT NULL,
    triggered_by     TEXT    NOT NULL, -- schedule | manual
    attempt          INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    state            TEXT    NOT NULL,
    ready_at         INTEGER NOT NULL,
    priority         INTEGER NOT NULL,
    target           TEXT    NOT NULL,
    payload          TEXT,
    timeout          INTEGER NOT NULL,
    delivery         TEXT    NOT NULL,
    lease_owner      TEXT,
    lease_token      TEXT,
    lease_expires_at INTEGER,
    started_at       INTEGER,
    finished_at      INTEGER,
    node             TEXT,
    exit_code        INTEGER,
    http_status      INTEGER,
    error            TEXT,
    output           TEXT,
    skip_reason      TEXT,
    created_at       INTEGER NOT NULL,
    -- One slot can never become two runs (guarantee 2).
    UNIQUE (job_id, scheduled_for)
) STRICT;

-- Claiming: queued runs by priority, then oldest ready first. The partial indexes below are named by the queries that
-- need them (INDEXED BY): without statistics the planner would take runs_state and sort.
CREATE INDEX runs_claim ON runs (priority DESC, ready_at, id) WHERE state = 'queued';

-- A job's runs newest first, and its last run (max id).
CREATE INDEX runs_job ON runs (job_id, id);

-- Runs in one state newest first (the dead-letter list).
CREATE INDEX runs_state ON runs (state, id);

-- Rescue: running runs whose lease expired.
CREATE INDEX runs_lease ON runs (lease_expires_at, id) WHERE state = 'running';

-- Cleaning: finished runs past retention.
CREATE INDEX runs_finished ON runs (finished_at, id) WHERE finished_at IS NOT NULL;
