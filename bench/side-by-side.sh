#!/usr/bin/env bash
# Quartz.NET 4.7.3 and Kron side by side on the workloads of BENCHMARKS.md (W1 burst, W2 steady), with no-op jobs:
#   quartz-ram       bench/Kron.QuartzPeer --store ram       (RAMJobStore, not durable)
#   quartz-postgres  bench/Kron.QuartzPeer --store postgres  (AdoJobStore, clustered, durable)
#   kron-sqlite      kron bench --data <fresh dir>
#   kron-postgres    kron bench --store <connection>
# It publishes both programs, starts a throwaway PostgreSQL (unless given one), runs every leg, keeps each leg's JSON
# and log, and prints one table with every figure and the ratios Kron/peer. A leg that fails shows "failed" and the
# others go on.
#
#   bash bench/side-by-side.sh [--jobs N] [--rates "500 2000 5000"] [--duration S] [--legs "..."] [--workloads "w1 w2"]
#                              [--quartz-pg-rates "500"] [--quartz-threads N] [--max-wait S] [--pg CONNECTION] [--out DIR]
#
# Each flag has an environment variable of the same name in capitals (JOBS, RATES, DURATION, LEGS, WORKLOADS,
# QUARTZ_PG_RATES, QUARTZ_THREADS, MAX_WAIT, PG, OUT). Defaults: N 20000, R 500 2000 5000, D 30 s, all four legs;
# quartz-postgres runs W2 only at 500/s by default (it falls behind there already: BENCHMARKS.md), and its drain is
# cut --max-wait (120 s) after the last slot. KRON_DLL / PEER_DLL skip a build and use that published program;
# LEG_TIMEOUT (1800 s) bounds each leg. Results: --out DIR (default a new /tmp/side-by-side-results.*), one
# <leg>-<workload>.json and .log per leg, and table.txt.
# PostgreSQL 15 is installed if missing, like scripts/dev-postgres.sh does; the server runs as the "postgres" user in a
# temporary directory on a free port (not dev-postgres.sh itself: its fixed /tmp/kron-dev-pg and port may belong to
# someone's running dev server, and its "down" deletes that directory).
set -uo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-20000}
RATES=${RATES:-500 2000 5000}
DURATION=${DURATION:-30}
LEGS=${LEGS:-quartz-ram quartz-postgres kron-sqlite kron-postgres}
WORKLOADS=${WORKLOADS:-w1 w2}
QUARTZ_PG_RATES=${QUARTZ_PG_RATES:-500}
QUARTZ_THREADS=${QUARTZ_THREADS:-}
MAX_WAIT=${MAX_WAIT:-120}
PG=${PG:-}
OUT=${OUT:-}
LEG_TIMEOUT=${LEG_TIMEOUT:-1800}

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    --jobs|--rates|--duration|--legs|--workloads|--quartz-pg-rates|--quartz-threads|--max-wait|--pg|--out)
      [ $# -ge 2 ] || { echo "side-by-side: $1 needs a value" >&2; exit 2; } ;;
    *) echo "side-by-side: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  case "$1" in
    --jobs) JOBS=$2 ;;
    --rates) RATES=$2 ;;
    --duration) DURATION=$2 ;;
    --legs) LEGS=$2 ;;
    --workloads) WORKLOADS=$2 ;;
    --quartz-pg-rates) QUARTZ_PG_RATES=$2 ;;
    --quartz-threads) QUARTZ_THREADS=$2 ;;
    --max-wait) MAX_WAIT=$2 ;;
    --pg) PG=$2 ;;
    --out) OUT=$2 ;;
  esac
  shift 2
done

work=$(mktemp -d /tmp/side-by-side.XXXXXX)
OUT=${OUT:-$(mktemp -d /tmp/side-by-side-results.XXXXXX)}
mkdir -p "$OUT"
pgdata=""
pgroot=""
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ]; then
    as_postgres "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work" ${pgroot:+"$pgroot"}
}
trap cleanup EXIT
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
wants() { case " $LEGS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# Build. Isolated artifacts paths: other builds of this repository may be running at the same time.
peer=${PEER_DLL:-}
kron=${KRON_DLL:-}
if { wants quartz-ram || wants quartz-postgres; } && [ -z "$peer" ]; then
  log "publishing bench/Kron.QuartzPeer"
  if dotnet publish bench/Kron.QuartzPeer -c Release -o "$work/peer" --artifacts-path "$work/artifacts" >"$OUT/build-peer.log" 2>&1; then
    peer="$work/peer/Kron.QuartzPeer.dll"
  else
    log "bench/Kron.QuartzPeer did not build (see $OUT/build-peer.log): its legs fail"
  fi
fi
if { wants kron-sqlite || wants kron-postgres; } && [ -z "$kron" ]; then
  log "publishing src/Kron.Cli"
  if dotnet publish src/Kron.Cli -c Release -o "$work/kron" --artifacts-path "$work/artifacts" >"$OUT/build-kron.log" 2>&1; then
    kron="$work/kron/kron.dll"
  else
    log "src/Kron.Cli did not build (see $OUT/build-kron.log): its legs fail"
  fi
fi

# PostgreSQL: a throwaway server unless --pg names one. With our own server every leg gets a database of its own.
own_pg=""
if { wants quartz-postgres || wants kron-postgres; } && [ -z "$PG" ]; then
  if [ -z "$pgbin" ]; then
    log "installing postgresql-15"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  pgport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # Its own directory: the server user cannot enter $work (mktemp makes it private to us).
  pgroot=$(mktemp -d /tmp/side-by-side-pg.XXXXXX)
  chown postgres "$pgroot" 2>/dev/null
  pgdata="$pgroot/data"
  if as_postgres "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust >"$OUT/postgres-init.log" 2>&1 &&
     as_postgres "$pgbin/pg_ctl" -D "$pgdata" -l "$pgroot/server.log" -w \
       -o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pgroot -c max_connections=300" start >/dev/null; then
    own_pg="Host=127.0.0.1;Port=$pgport;Username=postgres"
    log "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport"
  else
    log "PostgreSQL did not start (see $OUT/postgres-init.log): the postgres legs fail"
  fi
fi
# The connection string for one leg: a fresh database on our own server, or the one given.
connection_for() {
  if [ -n "$PG" ]; then echo "$PG"; return 0; fi
  [ -n "$own_pg" ] || return 1
  "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE DATABASE $1" >/dev/null || return 1
  echo "$own_pg;Database=$1"
}

# One leg: its JSON in $OUT/<leg>-<workload>.json, its output in the .log beside it; "failed" if it exits non-zero or
# writes no JSON.
run_leg() {
  local leg=$1 workload=$2 rate=$3 name args conn
  name="$leg-$workload${rate:+-$rate}"
  rm -f "$OUT/$name.json"
  case "$workload" in
    w1) args=(--workload w1 --jobs "$JOBS") ;;
    w2) args=(--workload w2 --rate "$rate" --duration "$DURATION") ;;
  esac
  case "$leg" in
    quartz-ram)
      [ -n "$peer" ] || { echo failed >"$OUT/$name.status"; return; }
      cmd=(dotnet "$peer" "${args[@]}" --store ram --max-wait "$MAX_WAIT" ${QUARTZ_THREADS:+--threads "$QUARTZ_THREADS"}) ;;
    quartz-postgres)
      [ -n "$peer" ] && conn=$(connection_for "quartz_${workload}_${rate:-0}") || { echo failed >"$OUT/$name.status"; return; }
      cmd=(dotnet "$peer" "${args[@]}" --store postgres --connection "$conn" --max-wait "$MAX_WAIT" ${QUARTZ_THREADS:+--threads "$QUARTZ_THREADS"}) ;;
    kron-sqlite)
      [ -n "$kron" ] || { echo failed >"$OUT/$name.status"; return; }
      rm -rf "$work/data-$name"
      cmd=(dotnet "$kron" bench "${args[@]}" --data "$work/data-$name") ;;
    kron-postgres)
      [ -n "$kron" ] && conn=$(connection_for "kron_${workload}_${rate:-0}") || { echo failed >"$OUT/$name.status"; return; }
      cmd=(dotnet "$kron" bench "${args[@]}" --store "$conn") ;;
  esac
  log "$name: ${cmd[*]} --json $OUT/$name.json"
  { echo "\$ ${cmd[*]} --json $OUT/$name.json"; echo "# $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"; } >"$OUT/$name.log"
  if timeout "$LEG_TIMEOUT" "${cmd[@]}" --json "$OUT/$name.json" >>"$OUT/$name.log" 2>&1 && [ -s "$OUT/$name.json" ]; then
    echo ok >"$OUT/$name.status"
  else
    echo failed >"$OUT/$name.status"
    log "$name failed (see $OUT/$name.log)"
  fi
}

for leg in $LEGS; do
  for workload in $WORKLOADS; do
    case "$workload" in
      w1) run_leg "$leg" w1 "" ;;
      w2)
        rates=$RATES
        [ "$leg" = quartz-postgres ] && rates=$QUARTZ_PG_RATES
        for rate in $rates; do run_leg "$leg" w2 "$rate"; done ;;
      *) log "unknown workload $workload (w1 or w2)" ;;
    esac
  done
done

# The table: one row per workload and leg, then the ratios Kron/peer (W1 throughput: above 1 is Kron faster; W2 p99:
# below 1 is Kron's lag lower).
python3 - "$OUT" "$LEGS" "$WORKLOADS" "$RATES" "$QUARTZ_PG_RATES" <<'PY' | tee "$OUT/table.txt"
import json, os, sys

out, legs, workloads, rates, quartz_pg_rates = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4].split(), sys.argv[5].split()
cases = [("w1", "")] if "w1" in workloads else []
if "w2" in workloads:
    cases += [("w2", r) for r in sorted(set(rates) | set(quartz_pg_rates if "quartz-postgres" in legs else []), key=float)]

def load(leg, workload, rate):
    name = f"{leg}-{workload}" + (f"-{rate}" if rate else "")
    status_file = os.path.join(out, name + ".status")
    if not os.path.exists(status_file):
        return None, "skipped"
    if open(status_file).read().strip() != "ok":
        return None, "failed"
    try:
        return json.load(open(os.path.join(out, name + ".json"))), "ok"
    except (OSError, ValueError):
        return None, "failed"

def num(v, digits=0):
    return "-" if v is None else f"{v:,.{digits}f}"

def ms(v):
    if v is None:
        return "-"
    return f"{v:,.1f} ms" if v < 10_000 else f"{v / 1000:,.1f} s"

header = ["workload", "store", "jobs", "register/s", "throughput/s", "lag p50", "lag p90", "lag p99", "lag max", "ran 0", "ran >1", "RSS MiB"]
rows, results = [], {}
for workload, rate in cases:
    label = "W1 burst" if workload == "w1" else f"W2 {int(float(rate)):,}/s"
    for leg in legs:
        r, status = load(leg, workload, rate)
        results[(workload, rate, leg)] = r
        if r is None:
            rows.append([label, leg, status] + [""] * (len(header) - 3))
            continue
        lag = r.get("lag_ms") or {}
        zero = r.get("executed_zero")
        rows.append([label, leg, num(r.get("jobs")), num(r.get("registration_per_s")), num(r.get("throughput_per_s")),
                     ms(lag.get("p50")), ms(lag.get("p90")), ms(lag.get("p99")) + ("*" if zero else ""), ms(lag.get("max")),
                     num(zero), num(r.get("executed_multiple")), num(r.get("peak_rss_mib"))])

def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row).rstrip())

table(header, rows)
print("* some jobs never ran within the wait: lag is over the jobs that ran. RSS: the peer's own process; Kron's node.")

peers = [p for p in ("quartz-ram", "quartz-postgres") if p in legs]
krons = [k for k in ("kron-sqlite", "kron-postgres") if k in legs]
if peers and krons:
    print()
    ratio_header = ["ratio Kron/peer"] + [f"{k}/{p}" for k in krons for p in peers]
    ratio_rows = []
    for workload, rate in cases:
        key, what = ("throughput_per_s", "W1 throughput (>1: Kron faster)") if workload == "w1" else ("p99", f"W2 {int(float(rate)):,}/s p99 lag (<1: Kron lower)")
        cells = [what]
        for k in krons:
            for p in peers:
                a, b = results.get((workload, rate, k)), results.get((workload, rate, p))
                if a is None or b is None:
                    cells.append("-")
                    continue
                x = a.get(key) if key == "throughput_per_s" else (a.get("lag_ms") or {}).get(key)
                y = b.get(key) if key == "throughput_per_s" else (b.get("lag_ms") or {}).get(key)
                cells.append("-" if not x or not y else f"{x / y:,.3g}" + ("*" if b.get("executed_zero") or a.get("executed_zero") else ""))
        ratio_rows.append(cells)
    table(ratio_header, ratio_rows)
print(f"\nJSON and logs: {out}")
PY
