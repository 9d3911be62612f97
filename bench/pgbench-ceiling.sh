#!/usr/bin/env bash
# The pgbench claim-and-complete ceiling: how many runs per second this machine's PostgreSQL can claim and complete
# with nothing but bare SQL (FOR UPDATE SKIP LOCKED), the physical limit Kron reports its own throughput against
# (/work/shared/BENCHMARKS.md, last target). Results and their reading: bench/pgbench-ceiling.md.
#
#   bash bench/pgbench-ceiling.sh
#
# What it does:
#   - starts a throwaway PostgreSQL (newest /usr/lib/postgresql/*/bin, as the "postgres" user when run as root, since
#     PostgreSQL refuses root) in a fresh data directory on a free 127.0.0.1 port, with the settings of
#     scripts/dev-postgres.sh and otherwise the server defaults (synchronous_commit = on: Kron is durable); the
#     sessions carry what the Kron driver adds (idle_in_transaction_session_timeout = 2000, prepared statements);
#     it is stopped and deleted on exit, whatever happens;
#   - creates Kron's schema by running Kron's own migrations (src/Kron.Storage.Postgres/Sql/Migrations/*.sql), so
#     "runs" has Kron's columns and every one of Kron's indexes (runs_claim is the partial index of queued runs);
#   - records pg_test_fsync on the data directory's file system;
#   - fills a template database once with $N queued runs (VACUUM ANALYZE'd); before every leg, client count and
#     repetition the database "kron" is dropped and copied again from it (CREATE DATABASE ... STRATEGY FILE_COPY, which
#     checkpoints), so every measurement starts from the same table of $N queued runs; runs pgbench for $DURATION
#     seconds, then counts the runs that reached "succeeded" and divides by pgbench's measured time (runs/s). Alongside:
#     vmstat 1 (CPU user/system/idle/iowait), the CPU time of the server's processes and of pgbench against the whole
#     machine's (other builds share it), pg_stat_wal (WAL flushes per second), and a top snapshot halfway through;
#   - prints a Markdown table: the median runs/s per leg and client count (and the lowest and highest).
#
# Legs (one pgbench "transaction" = one execution of the script = one claim transaction + one complete transaction):
#   single     claim 1 run (as RunClaim: SKIP LOCKED, fresh lease token), then complete it (as RunComplete: id and
#              lease token must match): 2 commits per run; runs/s = pgbench tps
#   batch100   claim 100 runs in one statement, complete those 100 in one statement: 2 commits per 100 runs
#   batch500   the same with 500
#   *-async    the same legs with synchronous_commit = off: NOT DURABLE, a reference showing what the WAL flush costs
#
# Settings (environment): N (queued runs at the start of every measurement, 300000: the batched legs claim 10,000 to
# 18,000 runs/s here, so 200,000 could run dry; a measurement that empties the queue is marked DRAINED and its figure
# is too low), DURATION (seconds per pgbench run, 10), REPS (repetitions
# of each durable measurement, 3), ASYNC_REPS (of each not-durable one, 1), CLIENTS ("1 2 4 8 16"),
# LEGS ("single batch100 batch500"), ASYNC_LEGS (same as LEGS; "" skips them), FSYNC_SECS (pg_test_fsync seconds per
# test, 2; 0 skips it), RESULTS (folder for the raw logs, kept: /tmp/pgbench-ceiling-<UTC time>), QUIET_MAX and
# QUIET_WAIT (before each measurement, wait until the machine's other work uses at most QUIET_MAX % of one core, 50,
# but no longer than QUIET_WAIT seconds, 15: other builds share these 2 cores; what they used during each measurement
# is in the results as other_cpu), MAX_OTHER and RETRIES (a measurement during which the rest of the machine used more
# than MAX_OTHER % of one core, 50, is marked noisy-redone, left out of the summary and measured again, at most RETRIES
# times, 1; the last attempt is kept whatever it got).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-300000}
DURATION=${DURATION:-10}
REPS=${REPS:-3}
ASYNC_REPS=${ASYNC_REPS:-1}
CLIENTS=${CLIENTS:-1 2 4 8 16}
LEGS=${LEGS:-single batch100 batch500}
ASYNC_LEGS=${ASYNC_LEGS-$LEGS}
FSYNC_SECS=${FSYNC_SECS:-2}
QUIET_MAX=${QUIET_MAX:-50}
QUIET_WAIT=${QUIET_WAIT:-15}
MAX_OTHER=${MAX_OTHER:-50}
RETRIES=${RETRIES:-1}
RESULTS=${RESULTS:-/tmp/pgbench-ceiling-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS"

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/pgbench" ]; then
  echo "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql-15)" >&2
  exit 1
fi
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# --- the throwaway server -------------------------------------------------------------------------------------------
# Not scripts/dev-postgres.sh itself: its folder (/tmp/kron-dev-pg) and port are fixed and shared with whoever runs a
# dev server on this machine, and its "down" deletes that folder. Same options, own folder, free port.
root=$(mktemp -d /tmp/kron-pgbench-ceiling.XXXXXX)
work=$root/work
vmstat_pid=
cleanup() {
  [ -n "$vmstat_pid" ] && kill "$vmstat_pid" 2>/dev/null || true
  if [ -f "$root/data/postmaster.pid" ]; then
    as_postgres "$bin/pg_ctl" -D "$root/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

chmod 755 "$root"
[ "$(id -u)" -eq 0 ] && chown postgres "$root"
mkdir -p "$work"
as_postgres "$bin/initdb" -D "$root/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=
for candidate in $(shuf -i 20000-29999 -n 50); do
  port_free "$candidate" || continue
  if as_postgres "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w -o \
      "-p $candidate -c listen_addresses=127.0.0.1 -c unix_socket_directories=$root -c max_connections=300" \
      start >/dev/null 2>&1; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || { echo "could not start PostgreSQL; see the log:" >&2; cat "$root/server.log" >&2; exit 1; }

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
# What every Kron session carries (PostgresDriver.Open).
driver_options="-c idle_in_transaction_session_timeout=2000"
psql_db() { local db=$1; shift; PGOPTIONS=$driver_options "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
psql_q() { psql_db kron "$@"; }
postmaster=$(head -1 "$root/data/postmaster.pid")
# CPU ticks of the whole server: the postmaster, its live children, and the children that ended (cutime, cstime).
server_ticks() {
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"
    for child in $(ps -o pid= --ppid "$postmaster"); do awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true; done
  } | awk '{s += $1} END {print s}'
}
# Waits (at most 2 s) until the sessions of database "kron" have ended: a backend that ends is counted by the
# postmaster's cutime only once reaped, so reading server_ticks while one ends would lose or double its time.
backends_gone() {
  local _
  for _ in $(seq 1 40); do
    ps -o args= --ppid "$postmaster" | grep -q '^postgres: postgres kron ' || return 0
    sleep 0.05
  done
}
# Busy and total CPU ticks of the machine, all cores.
machine_ticks() { awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat; }
# Waits (at most $QUIET_WAIT s) until the machine is quiet: busy at most $QUIET_MAX % of one core over 2 s, our idle
# server included. Prints the last busy figure and the seconds waited.
wait_quiet() {
  local waited=0 m0 m1 busy
  while :; do
    m0=$(machine_ticks); sleep 2; m1=$(machine_ticks)
    busy=$(awk -v a="$m0" -v b="$m1" -v n="$(nproc)" \
      'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f", 100 * n * (y[1] - x[1]) / (y[2] - x[2]) }')
    if [ "$busy" -le "$QUIET_MAX" ] || [ "$waited" -ge "$QUIET_WAIT" ]; then
      echo "$busy $waited"
      return
    fi
    sleep 3
    waited=$((waited + 5))
  done
}
"$bin/psql" -X -q -d postgres -c "CREATE DATABASE kron_template"
for migration in src/Kron.Storage.Postgres/Sql/Migrations/*.sql; do
  psql_db kron_template -f "$migration"
done

# --- the machine ----------------------------------------------------------------------------------------------------
{
  echo "date_utc: $(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
  echo "kernel: $(uname -r)"
  echo "data_dir_fs: $(df -hT "$root" | awk 'NR == 2 {print $1, $2}')"
  echo "server: $("$bin/postgres" --version)"
  echo "port: $port"
  echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "settings:"
  psql_db kron_template -tA -F ' = ' -c "SELECT name, setting || coalesce(' ' || unit, '') FROM pg_settings WHERE name IN
    ('synchronous_commit', 'fsync', 'full_page_writes', 'wal_sync_method', 'wal_level', 'shared_buffers',
     'max_wal_size', 'checkpoint_timeout', 'commit_delay', 'wal_writer_delay', 'max_connections', 'autovacuum',
     'idle_in_transaction_session_timeout', 'work_mem') ORDER BY name" | sed 's/^/  /'
} | tee "$RESULTS/machine.txt"

if [ "$FSYNC_SECS" -gt 0 ]; then
  echo "pg_test_fsync -s $FSYNC_SECS on the data directory's file system ..."
  as_postgres "$bin/pg_test_fsync" -s "$FSYNC_SECS" -f "$root/data/pg_test_fsync.tmp" | tee "$RESULTS/pg_test_fsync.txt"
fi

# --- the workload ---------------------------------------------------------------------------------------------------
# $N queued runs as Kron's one-time jobs make them: 32-hex time-ordered ids, one job each, 256 shards, all ready in the
# past, the same priority (so the claim order is ready_at, id, as in a W1 burst).
cat >"$work/fill.sql" <<'SQL'
INSERT INTO runs (
    id, job_id, shard, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority, target, payload,
    timeout, delivery, retry_initial_interval, retry_max_interval, retry_multiplier, retry_jitter, created_at)
SELECT lpad(to_hex(g), 16, '0') || substr(md5(g::text), 1, 16),
       md5('job' || g),
       g % 256,
       t.t0 + g * interval '1 millisecond', 'schedule', 1, 1, 'queued', t.t0 + g * interval '1 millisecond', 0,
       '{"type":"noop"}', NULL, 30000000, 'at_least_once', 1000000, 60000000, 2.0, 'full', t.t0
FROM generate_series(1, :n) AS g, (SELECT now() - interval '1 day' AS t0) AS t;
VACUUM ANALYZE runs;
SQL
echo "filling the template with $N queued runs ..."
psql_db kron_template -v n="$N" -f "$work/fill.sql"
"$bin/psql" -X -q -d postgres -c "CREATE DATABASE kron TEMPLATE kron_template STRATEGY FILE_COPY"

# single: RunClaim with @limit 1 (minus the 31 columns Kron reads back), then RunComplete. The claim's answer is
# folded into one row so that a claim that finds nothing does not abort the client: its completion updates nothing.
cat >"$work/single.sql" <<'SQL'
WITH picked AS (
    SELECT id FROM runs
    WHERE state = 'queued' AND ready_at <= now()
    ORDER BY priority DESC, ready_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE runs AS r SET
        state = 'running', lease_owner = 'pgbench', node = 'pgbench',
        lease_token = replace(gen_random_uuid()::text, '-', ''),
        lease_expires_at = now() + 30000000 * interval '1 microsecond', started_at = now()
    FROM picked WHERE r.id = picked.id
    RETURNING r.id, r.lease_token
)
SELECT coalesce(max(id), '') AS id, coalesce(max(lease_token), '') AS lease_token FROM claimed
\gset
UPDATE runs SET
    state = 'succeeded', finished_at = now(), exit_code = NULL, http_status = NULL, error = NULL, output = NULL,
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE id = :id AND state = 'running' AND lease_token = :lease_token;
SQL

# batchN: one claim of :batch runs, then one statement completing them all (Kron sends its completions as one batch of
# RunComplete statements in one implicit transaction; one set-based UPDATE is the bare lower bound of that).
cat >"$work/batch.sql" <<'SQL'
WITH picked AS (
    SELECT id FROM runs
    WHERE state = 'queued' AND ready_at <= now()
    ORDER BY priority DESC, ready_at, id
    LIMIT :batch
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE runs AS r SET
        state = 'running', lease_owner = 'pgbench', node = 'pgbench',
        lease_token = replace(gen_random_uuid()::text, '-', ''),
        lease_expires_at = now() + 30000000 * interval '1 microsecond', started_at = now()
    FROM picked WHERE r.id = picked.id
    RETURNING r.id, r.lease_token
)
SELECT coalesce(array_agg(id), '{}') AS ids, coalesce(array_agg(lease_token), '{}') AS tokens FROM claimed
\gset
UPDATE runs AS r SET
    state = 'succeeded', finished_at = now(), exit_code = NULL, http_status = NULL, error = NULL, output = NULL,
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
FROM unnest(:ids::text[], :tokens::text[]) AS done (id, lease_token)
WHERE r.id = done.id AND r.state = 'running' AND r.lease_token = done.lease_token;
SQL

psql_q -c "EXPLAIN $(sed -n '/^WITH/,/^SELECT coalesce/p' "$work/single.sql")" >"$RESULTS/claim-plan.txt"

# measure LEG DURABILITY CLIENTS REP ATTEMPT: one pgbench run on a freshly filled table; appends a line to
# results.tsv. Fails if the measurement was too noisy and is to be done again.
measure() {
  local leg=$1 durability=$2 clients=$3 rep=$4 attempt=$5
  local script=$work/batch.sql batch=1 options=$driver_options
  case $leg in
    single) script=$work/single.sql ;;
    batch*) batch=${leg#batch} ;;
  esac
  [ "$durability" = async ] && options="$options -c synchronous_commit=off"
  local threads=$((clients < $(nproc) ? clients : $(nproc)))
  local name=$leg-$durability-c$clients-r$rep
  [ "$attempt" -gt 1 ] && name+=-a$attempt

  "$bin/psql" -X -q -d postgres -c "DROP DATABASE kron" -c "CREATE DATABASE kron TEMPLATE kron_template STRATEGY FILE_COPY"
  local quiet
  quiet=$(wait_quiet)
  psql_q -c "SELECT pg_stat_reset_shared('wal')" >/dev/null

  vmstat -n 1 >"$RESULTS/$name.vmstat" &
  vmstat_pid=$!
  # Who uses the CPU halfway through, for the reading: top's second sample (1 s), its first counts from boot.
  (sleep $((DURATION / 2)) && top -b -n 2 -d 1 -w 200 | awk '/^top -/ {n++} n == 2' | head -25 >"$RESULTS/$name.top") &
  local top_pid=$!
  local status=0 server0 machine0 server1 machine1
  backends_gone; server0=$(server_ticks); machine0=$(machine_ticks)
  PGOPTIONS=$options /usr/bin/time -f '%U %S' -o "$RESULTS/$name.pgbench-cpu" "$bin/pgbench" -n -M prepared -c "$clients" -j "$threads" -T "$DURATION" -D batch="$batch" \
    -f "$script" kron >"$RESULTS/$name.pgbench" 2>&1 || status=$?
  machine1=$(machine_ticks); backends_gone; server1=$(server_ticks)
  kill "$vmstat_pid" 2>/dev/null || true
  wait "$vmstat_pid" 2>/dev/null || true
  vmstat_pid=
  wait "$top_pid" 2>/dev/null || true
  sleep 1 # backends that ended report their WAL counters on exit

  local done queued running wal
  read -r done queued running < <(psql_q -tA -F ' ' -c \
    "SELECT count(*) FILTER (WHERE state = 'succeeded'), count(*) FILTER (WHERE state = 'queued'),
            count(*) FILTER (WHERE state = 'running') FROM runs")
  wal=$(psql_q -tA -F ' ' -c "SELECT wal_records, wal_fpi, wal_bytes, wal_write, wal_sync FROM pg_stat_wal")

  local xacts tps
  xacts=$(awk -F': ' '/number of transactions actually processed/ {print $2}' "$RESULTS/$name.pgbench" | awk '{print $1}')
  tps=$(awk '/^tps = / {print $3}' "$RESULTS/$name.pgbench")
  if [ "$status" -ne 0 ] || [ -z "$xacts" ] || [ -z "$tps" ]; then
    echo "pgbench failed ($name):" >&2
    cat "$RESULTS/$name.pgbench" >&2
    exit 1
  fi
  # Runs/s: runs that reached "succeeded" over pgbench's measured time (transactions / tps).
  local line
  line=$(awk -v leg="$leg" -v d="$durability" -v c="$clients" -v r="$rep" -v x="$xacts" -v tps="$tps" \
      -v done="$done" -v q="$queued" -v run="$running" -v wal="$wal" '
    BEGIN { split(wal, w, " "); secs = x / tps;
      printf "%s\t%s\t%d\t%d\t%.1f\t%.1f\t%d\t%d\t%d\t%.3f\t%.1f\t%.0f\t%.1f", leg, d, c, r, done / secs, tps, done, q,
        run, secs, w[5] / secs, w[3] / secs / 1048576, (w[5] > 0 ? done / w[5] : 0) }')
  # CPU time over the run, in % of one core (the machine has $(nproc) × 100 %): the server, pgbench, everything else.
  line+=$(awk -v s0="$server0" -v s1="$server1" -v m0="$machine0" -v m1="$machine1" -v n="$(nproc)" \
      -v pgb="$(cat "$RESULTS/$name.pgbench-cpu" | tail -1)" -v hz="$(getconf CLK_TCK)" '
    BEGIN { split(m0, a, " "); split(m1, b, " "); split(pgb, p, " "); total = (b[2] - a[2]) / n; busy = b[1] - a[1]
      server = s1 - s0; bench = (p[1] + p[2]) * hz
      printf "\t%.0f\t%.0f\t%.0f", 100 * server / total, 100 * bench / total, 100 * (busy - server - bench) / total }')
  # CPU from vmstat: the mean of the samples taken while pgbench ran (the first line is the average since boot).
  line+=$(awk 'NR > 3 && $1 ~ /^[0-9]+$/ { n++; r += $1; us += $13; sy += $14; id += $15; wa += $16; cs += $12 }
    END { if (n) printf "\t%.1f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f", r / n, us / n, sy / n, id / n, wa / n, cs / n;
          else printf "\t\t\t\t\t\t" }' "$RESULTS/$name.vmstat")
  line+=$'\t'"${quiet% *}"$'\t'"${quiet#* }"
  local note= other
  other=$(cut -f16 <<<"$line")
  [ "$queued" -eq 0 ] && note=DRAINED
  [ "$other" -gt "$MAX_OTHER" ] && [ "$attempt" -le "$RETRIES" ] && note+=${note:+,}noisy-redone
  line+=$'\t'"$attempt"$'\t'"$note"
  echo "$line" >>"$RESULTS/results.tsv"
  echo "$line"
  [[ $note != *noisy-redone* ]]
}
measure_kept() { local attempt=1; until measure "$@" "$attempt"; do attempt=$((attempt + 1)); done; }

printf 'leg\tdurability\tclients\trep\truns_per_s\tpgbench_tps\tsucceeded\tqueued_left\trunning_left\tseconds\twal_syncs_per_s\twal_mib_per_s\truns_per_wal_sync\tserver_cpu\tpgbench_cpu\tother_cpu\tvm_r\tcpu_us\tcpu_sy\tcpu_id\tcpu_wa\tctx_per_s\tbusy_before\tquiet_waited_s\tattempt\tnote\n' \
  | tee "$RESULTS/results.tsv"
for leg in $LEGS; do
  for clients in $CLIENTS; do
    for rep in $(seq 1 "$REPS"); do measure_kept "$leg" durable "$clients" "$rep"; done
  done
done
for leg in $ASYNC_LEGS; do
  for clients in $CLIENTS; do
    for rep in $(seq 1 "$ASYNC_REPS"); do measure_kept "$leg" async "$clients" "$rep"; done
  done
done

# --- the summary ----------------------------------------------------------------------------------------------------
# cell COLUMN LEG DURABILITY CLIENTS WITH_RANGE: the median of a results.tsv column over the repetitions of one cell.
cell() {
  awk -F'\t' -v col="$1" -v l="$2" -v d="$3" -v c="$4" '$1 == l && $2 == d && $3 == c && $col != "" && $NF !~ /redone/ {print $col}' \
    "$RESULTS/results.tsv" | sort -g | awk -v range="$5" '{v[NR] = $1} END {
      if (!NR) { printf "—"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%\047.0f", m; if (range && NR > 1) printf " (%\047.0f–%\047.0f)", v[1], v[NR] }'
}
# table TITLE FORMAT...: one row per leg, one column per client count; FORMAT is "COLUMN[:range]/COLUMN..." per cell.
table() {
  local title=$1 spec=$2 header="| leg |" rule="|---|" durability legs leg clients row part first
  echo; echo "$title"; echo
  for clients in $CLIENTS; do header+=" -c $clients |"; rule+="---:|"; done
  echo "$header"; echo "$rule"
  for durability in durable async; do
    legs=$LEGS; [ "$durability" = async ] && legs=$ASYNC_LEGS
    for leg in $legs; do
      row="| $leg"; [ "$durability" = async ] && row+=" (synchronous_commit=off, NOT durable)"; row+=" |"
      for clients in $CLIENTS; do
        row+=" "; first=1
        for part in ${spec//\// }; do
          [ "$first" = 1 ] || row+=" / "; first=0
          row+=$(cell "${part%:range}" "$leg" "$durability" "$clients" "$([ "$part" != "${part%:range}" ] && echo 1)")
        done
        row+=" |"
      done
      echo "$row"
    done
  done
}
{
  table "Runs/s, median of the repetitions (lowest–highest), $DURATION s each, $N queued runs at the start of each:" "5:range"
  table "WAL flushes/s / CPU of the server / of pgbench / of everything else on the machine (% of one core; the machine has $(nproc) × 100 %) / iowait %, medians:" "11/14/15/16/21"
  best=$(awk -F'\t' '$2 == "durable" && $NF !~ /redone/' "$RESULTS/results.tsv" | cut -f1,3,5 | sort -k1,1 -k2,2n -k3,3g | awk -F'\t' '
    { k = $1 "\t" $2; v[k, ++n[k]] = $3 }
    END { for (k in n) { c = n[k]; m = (c % 2) ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2;
          if (m > best) { best = m; at = k } }
          split(at, a, "\t"); printf "%.0f runs/s (%s, -c %s)", best, a[1], a[2] }')
  echo
  echo "Best durable median: $best"
  grep -q DRAINED "$RESULTS/results.tsv" && echo "WARNING: some measurements emptied the queue (DRAINED in results.tsv): raise N"
  echo "Measurements done again because the machine was busy: $(grep -c redone "$RESULTS/results.tsv" || true)"
  echo "Raw results: $RESULTS"
} | tee "$RESULTS/summary.md"
