-- Hints. Each query starts with "-- name: <Name>" (loaded by SqlQueries). Writers send them with
-- pg_notify('kron_hints', '<kind>:<shard>') in their own transaction (jobs.sql, runs.sql); PostgreSQL delivers a
-- notification at commit, to every session of the same database listening on the channel, and never one of a
-- transaction that rolled back.

-- name: HintsListen
LISTEN kron_hints;
