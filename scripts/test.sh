#!/usr/bin/env bash
# Runs every Kron test, from a fresh Debian machine with only the .NET SDK.
# Whatever the tests need beyond the SDK is installed and started here, and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

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
