-- Kron schema version 2: execution policies (issue 4): retry backoff, bounded concurrency, cancel requests, redrive.
-- Added columns have defaults, so every version-1 row upgrades in place: RetryPolicy.Default is 1 s initial
-- interval, 5 min ceiling, doubling, full jitter. Durations are INTEGER microseconds, enums their wire names.

ALTER TABLE jobs ADD COLUMN retry_initial_interval INTEGER NOT NULL DEFAULT 1000000;
ALTER TABLE jobs ADD COLUMN retry_max_interval     INTEGER NOT NULL DEFAULT 300000000;
ALTER TABLE jobs ADD COLUMN retry_multiplier       REAL    NOT NULL DEFAULT 2.0;
ALTER TABLE jobs ADD COLUMN retry_jitter           TEXT    NOT NULL DEFAULT 'full'; -- full | proportional | none
ALTER TABLE jobs ADD COLUMN max_concurrent         INTEGER;                         -- null: no bound

-- A run keeps the backoff its job had when the run was announced: editing the job does not change runs in flight.
ALTER TABLE runs ADD COLUMN retry_initial_interval INTEGER NOT NULL DEFAULT 1000000;
ALTER TABLE runs ADD COLUMN retry_max_interval     INTEGER NOT NULL DEFAULT 300000000;
ALTER TABLE runs ADD COLUMN retry_multiplier       REAL    NOT NULL DEFAULT 2.0;
ALTER TABLE runs ADD COLUMN retry_jitter           TEXT    NOT NULL DEFAULT 'full';
-- 1: cancellation was asked for while the run was running; the lease holder sees it at its next heartbeat.
ALTER TABLE runs ADD COLUMN cancel_requested       INTEGER NOT NULL DEFAULT 0;

-- The live runs of a job (GetActiveRuns: concurrency policies and max_concurrent).
CREATE INDEX runs_active ON runs (job_id) WHERE state IN ('queued', 'running');
