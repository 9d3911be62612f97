-- Kron PostgreSQL schema version 1: jobs, runs, nodes and shard leases.
-- Instants are timestamptz (microseconds, UTC); durations are bigint microseconds, as in the SQLite driver.
-- Enums are text holding their snake_case wire names (WireNames). Ids compare and sort byte-wise (COLLATE "C"),
-- whatever the database's locale, so that "newest first by id" means the same on every server.
-- No foreign keys: runs outlive deleted jobs (history).

CREATE TABLE jobs (
    id                     text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant                 text             NOT NULL,
    key                    text,
    name                   text,
    schedule_kind          text             NOT NULL,
    schedule_time          timestamptz,
    cron                   text,
    time_zone              text             NOT NULL,
    every                  bigint,
    target                 text             NOT NULL,
    -- Kept as text, not jsonb: the payload is handed to targets byte for byte as it was registered.
    payload                text,
    retries                integer          NOT NULL,
    retry_initial_interval bigint           NOT NULL,
    retry_max_interval     bigint           NOT NULL,
    retry_multiplier       double precision NOT NULL,
    retry_jitter           text             NOT NULL,
    timeout                bigint           NOT NULL,
    concurrency            text             NOT NULL,
    max_concurrent         integer,
    misfire                text             NOT NULL,
    starting_deadline      bigint,
    delivery               text             NOT NULL,
    priority               integer          NOT NULL,
    tags                   text[]           NOT NULL DEFAULT '{}',
    paused                 boolean          NOT NULL,
    shard                  integer          NOT NULL,
    next_fire_at           timestamptz,
    created_at             timestamptz      NOT NULL,
    updated_at             timestamptz      NOT NULL,
    version                bigint           NOT NULL,
    request_hash           text
);

-- A client key is unique per tenant: registering it again returns the existing job.
CREATE UNIQUE INDEX jobs_tenant_key ON jobs (tenant, key) WHERE key IS NOT NULL;

-- Due jobs of a shard, earliest first (GetDueJobs by shard: one range scan per owned shard), and the next slot.
CREATE INDEX jobs_due ON jobs (shard, next_fire_at, id) WHERE NOT paused;

-- Jobs by tag (list filter, redrive by tag).
CREATE INDEX jobs_tags ON jobs USING gin (tags);

CREATE TABLE runs (
    id                     text COLLATE "C" NOT NULL PRIMARY KEY,
    job_id                 text COLLATE "C" NOT NULL,
    -- The job's shard, copied when the run is announced: the shard's owner dispatches it.
    shard                  integer          NOT NULL,
    scheduled_for          timestamptz      NOT NULL,
    triggered_by           text             NOT NULL, -- schedule | manual
    attempt                integer          NOT NULL,
    max_attempts           integer          NOT NULL,
    state                  text             NOT NULL,
    ready_at               timestamptz      NOT NULL,
    priority               integer          NOT NULL,
    target                 text             NOT NULL,
    payload                text,
    timeout                bigint           NOT NULL,
    delivery               text             NOT NULL,
    -- The backoff the job had when the run was announced: editing the job does not change runs in flight.
    retry_initial_interval bigint           NOT NULL,
    retry_max_interval     bigint           NOT NULL,
    retry_multiplier       double precision NOT NULL,
    retry_jitter           text             NOT NULL,
    -- Cancellation was asked for while the run was running; the lease holder sees it at its next heartbeat.
    cancel_requested       boolean          NOT NULL DEFAULT false,
    lease_owner            text,
    lease_token            text,
    lease_expires_at       timestamptz,
    started_at             timestamptz,
    finished_at            timestamptz,
    node                   text,
    exit_code              integer,
    http_status            integer,
    error                  text,
    output                 text,
    skip_reason            text,
    created_at             timestamptz      NOT NULL,
    -- One slot can never become two runs (guarantee 2): firing inserts ON CONFLICT (job_id, scheduled_for) DO NOTHING.
    CONSTRAINT runs_slot UNIQUE (job_id, scheduled_for)
);

-- Claiming: queued runs by priority, then oldest ready first; the shard rides along so a fenced claim filters in the
-- index.
CREATE INDEX runs_claim ON runs (priority DESC, ready_at, id) INCLUDE (shard) WHERE state = 'queued';

-- A job's runs newest first, and its last run.
CREATE INDEX runs_job ON runs (job_id, id);

-- Runs in one state newest first (the dead-letter list), and redrive by state.
CREATE INDEX runs_state ON runs (state, id);

-- Rescue: running runs in lease order.
CREATE INDEX runs_lease ON runs (lease_expires_at, id) WHERE state = 'running';

-- Takeover and restart rescue: the running runs a node holds, by shard.
CREATE INDEX runs_lease_owner ON runs (lease_owner, shard) WHERE state = 'running';

-- Cleaning: finished runs past retention.
CREATE INDEX runs_finished ON runs (finished_at, id) WHERE finished_at IS NOT NULL;

-- The live runs of a job (GetActiveRuns: concurrency policies and max_concurrent).
CREATE INDEX runs_active ON runs (job_id) WHERE state IN ('queued', 'running');

-- Nodes and shard leases are rewritten by every heartbeat; room on each page keeps those updates HOT.
CREATE TABLE nodes (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    address      text             NOT NULL,
    version      text             NOT NULL,
    started_at   timestamptz      NOT NULL,
    heartbeat_at timestamptz      NOT NULL
) WITH (fillfactor = 50);

-- One row per shard (Shards.Count = 256), made here and never added or removed. owner is null when released; the
-- lease is held while expires_at is later than the database's clock. epoch + 1 on every acquisition: the fencing
-- token of every fire and claim. A never-taken shard expired at the Unix epoch, as in the SQLite driver.
CREATE TABLE shard_leases (
    shard      integer          NOT NULL PRIMARY KEY,
    owner      text COLLATE "C",
    epoch      bigint           NOT NULL DEFAULT 0,
    expires_at timestamptz      NOT NULL DEFAULT '1970-01-01 00:00:00+00'
) WITH (fillfactor = 50);

INSERT INTO shard_leases (shard) SELECT generate_series(0, 255);
