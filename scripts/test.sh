#!/usr/bin/env bash
# Runs every Kron test, from a fresh Debian machine with only the .NET SDK.
# Whatever the tests need beyond the SDK is installed and started here, and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL: the tests start throwaway servers of their own (test/Kron.Testing/PostgresServer.cs) from the newest
# /usr/lib/postgresql/*/bin; they only need the server binaries.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  echo "installing postgresql-15 for the storage and cluster tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi

# The dashboard's browser tests drive Debian's Chromium through Playwright (never a downloaded browser); the metrics
# tests check /metrics with promtool and scrape it with a real Prometheus server.
if [ ! -x /usr/bin/chromium ] || ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  echo "installing chromium and prometheus for the dashboard and metrics tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium prometheus >/dev/null
fi

# Every test server lives under this folder; whatever is still running there when the script ends (a test host that
# was killed) is stopped, and the folder removed.
KRON_TEST_PG_ROOT=$(mktemp -d)
export KRON_TEST_PG_ROOT
log=$(mktemp)
cleanup() {
  for data in "$KRON_TEST_PG_ROOT"/*/data; do
    if [ -f "$data/postmaster.pid" ]; then
      bin=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" | sort -V | tail -1)")
      if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$bin/pg_ctl" stop -m immediate -D "$data" >/dev/null 2>&1 || true
      else
        "$bin/pg_ctl" stop -m immediate -D "$data" >/dev/null 2>&1 || true
      fi
    fi
  done
  rm -rf "$KRON_TEST_PG_ROOT" "$log"
}
trap cleanup EXIT

status=0
dotnet test Kron.slnx -c Release 2>&1 | tee "$log" || status=$?

# One closing line that any CI reads: "Tests: N passed, N failed".
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "no test ran" >&2
  status=1
fi
if [ "$skipped" -ne 0 ]; then
  echo "$skipped test(s) were skipped; every test must run" >&2
  status=1
fi
echo "Tests: $passed passed, $failed failed"
exit "$status"
