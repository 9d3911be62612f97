#!/usr/bin/env bash
# Runs per second through the worker protocol (issue 7): one `kron serve` on a fresh SQLite directory (or --store a
# PostgreSQL database), N queue jobs due at once, then K real worker processes (kron-test-worker: the Kron.Worker SDK
# with a handler that does nothing) drain them. Each run is one lease (shared with up to C-1 others), one
# completion call and their writes. The drain is what the server recorded, from the first run's start (its lease) to
# the last run's finish, so the workers' start-up is not counted; the figure is runs / drain seconds. Repeats each K --repeat times and prints every measurement.
#
#   bash bench/worker-throughput.sh [--runs N] [--workers "1 4"] [--concurrency C] [--repeat R] [--store CONNECTION]
#
# Environment of the same names in capitals (RUNS, WORKERS, CONCURRENCY, REPEAT, STORE). Defaults: N 10000,
# workers "1 4", C 16 per worker, R 3, SQLite. The programs are published to a temporary directory first.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10000}
WORKERS=${WORKERS:-1 4}
CONCURRENCY=${CONCURRENCY:-16}
REPEAT=${REPEAT:-3}
STORE=${STORE:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --store) STORE=$2; shift 2 ;;
    *) echo "unknown flag $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d /tmp/worker-throughput.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

dotnet publish src/Kron.Cli -c Release -o "$work/kron" >/dev/null
dotnet publish test/Kron.EndToEnd.WorkerHost -c Release -o "$work/worker" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%FT%TZ); store: ${STORE:-sqlite}"
echo "runs=$RUNS concurrency per worker=$CONCURRENCY"
printf '%-8s %-6s %12s %10s\n' workers try drain_s runs_per_s
for k in $WORKERS; do
  for try in $(seq 1 "$REPEAT"); do
    port=$(free_port)
    data="$work/data-$k-$try"
    args=(serve --data "$data" --listen "http://127.0.0.1:$port" --node-id bench)
    [ -n "$STORE" ] && args+=(--store "$STORE")
    Logging__LogLevel__Default=Warning dotnet "$work/kron/kron.dll" "${args[@]}" >"$work/serve-$k-$try.log" 2>&1 &
    pids+=($!)
    url="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.2; done

    # A fresh queue per measurement, so a PostgreSQL database shared by the tries starts each one empty.
    queue="bench-$k-$try-$RANDOM"
    python3 - "$url" "$RUNS" "$queue" <<'EOF'
import json, sys, urllib.request, datetime
url, runs, queue = sys.argv[1], int(sys.argv[2]), sys.argv[3]
at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)).isoformat()
job = {"schedule_time": at, "target": {"type": "queue", "queue": queue, "job_type": "record"}}
for start in range(0, runs, 1000):
    body = json.dumps({"jobs": [job] * min(1000, runs - start)}).encode()
    req = urllib.request.Request(url + "/v1/jobs/batch", data=body, headers={"content-type": "application/json"})
    urllib.request.urlopen(req).read()
EOF
    queued() { curl -sf "$url/v1/queues" | python3 -c "import json,sys; q=[x for x in json.load(sys.stdin)['queues'] if x['name']=='$queue']; print(q[0]['queued']+q[0]['running'] if q else 0)"; }
    for _ in $(seq 1 300); do [ "$(queued)" -ge "$RUNS" ] && break; sleep 0.2; done

    server=${pids[${#pids[@]}-1]}
    wpids=()
    for w in $(seq 1 "$k"); do
      KRON_URL="$url" WORKER_ID="w$w" QUEUES="$queue:$CONCURRENCY" dotnet "$work/worker/kron-test-worker.dll" >"$work/worker-$k-$try-$w.log" 2>&1 &
      wpids+=($!); pids+=($!)
    done
    # Drained when the queue is gone from GET /v1/queues (nothing queued or leased); a cheap look, so that the
    # watching takes little CPU from the machine being measured.
    while curl -sf "$url/v1/queues" | grep -q "\"name\":\"$queue\""; do sleep 0.1; done
    for p in "${wpids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${wpids[@]}"; do wait "$p" 2>/dev/null || true; done

    # The drain as the server recorded it: from the first run's start (its lease) to the last run's finish.
    python3 - "$url" "$queue" "$k" "$try" "$RUNS" <<'EOF'
import json, sys, urllib.request, datetime
url, queue, k, attempt, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
first, last, seen, cursor = None, None, 0, None
while True:
    page = json.load(urllib.request.urlopen(f"{url}/v1/runs?queue={queue}&limit=500" + (f"&cursor={cursor}" if cursor else "")))
    for r in page["items"]:
        seen += 1
        s, f = datetime.datetime.fromisoformat(r["started_at"]), datetime.datetime.fromisoformat(r["finished_at"])
        first = s if first is None or s < first else first
        last = f if last is None or f > last else last
    cursor = page.get("next_cursor")
    if not cursor:
        break
d = (last - first).total_seconds()
print(f"{k:<8} {attempt:<6} {d:12.2f} {runs / d:10.0f}" + ("" if seen == runs else f"  (only {seen} runs!)"))
EOF
    kill -TERM "$server" 2>/dev/null || true
    wait 2>/dev/null || true
  done
done
