-- Grows a PostgreSQL store seeded with 1 M far-future jobs to about 10 M, in minutes instead of the 46 minutes that
-- registering 10 M through the API takes (docs/benchmarks.md, round 4). Each far-future job is copied nine times with
-- a new id (same time prefix, new random part), its slot 1-9 s later and its shard moved by 37 each time (the API
-- spreads jobs evenly over the 256 shards; the copies keep that). Usage, on the store of
-- `kron bench --workload scale --stored 1000000 --duration 1 --store ...`:
--   psql -d DB -f bench/scale-copy.sql && psql -d DB -c 'VACUUM (ANALYZE) jobs'
INSERT INTO jobs (id, tenant, key, name, schedule_kind, schedule_time, cron, time_zone, every, target, payload, retries,
  retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, timeout, concurrency, max_concurrent,
  misfire, starting_deadline, delivery, priority, tags, paused, shard, next_fire_at, created_at, updated_at, version, request_hash)
SELECT substr(j.id, 1, 12) || substr(md5(j.id || g::text), 1, 20), tenant, key, name || '-' || g, schedule_kind,
  schedule_time + g * interval '1 second', cron, time_zone, every, target, payload, retries,
  retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, timeout, concurrency, max_concurrent,
  misfire, starting_deadline, delivery, priority, tags, paused, (shard + g * 37) % 256, next_fire_at + g * interval '1 second',
  created_at, updated_at, version, request_hash
FROM generate_series(1, 9) AS g, jobs AS j
WHERE j.next_fire_at > now() + interval '1 year'
ORDER BY g, j.id;
