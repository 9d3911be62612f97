#!/usr/bin/env bash
# A throwaway PostgreSQL for trying Kron's cluster mode on one machine (not for production: see docs/patroni.md).
#   bash scripts/dev-postgres.sh up     installs postgresql-15 if missing, starts it on 127.0.0.1:${KRON_DEV_PG_PORT:-5439}
#                                       in /tmp/kron-dev-pg, creates database "kron", prints the KRON_STORE to use
#   bash scripts/dev-postgres.sh down   stops it and deletes its directory
# PostgreSQL refuses to run as root, so the server runs as the "postgres" user.
set -euo pipefail

port=${KRON_DEV_PG_PORT:-5439}
root=/tmp/kron-dev-pg
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
case "${1:-up}" in
  up)
    if [ -z "$bin" ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
      bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    if [ ! -d "$root/data" ]; then
      mkdir -p "$root" && chown postgres "$root" 2>/dev/null || true
      as_postgres "$bin/initdb" -D "$root/data" -U postgres --auth=trust >/dev/null
    fi
    as_postgres "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$root -c max_connections=300" start >/dev/null
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kron'" | grep -q 1 \
      || "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE kron"
    echo "export KRON_STORE=\"Host=127.0.0.1;Port=$port;Database=kron;Username=postgres\""
    ;;
  down)
    [ -n "$bin" ] && [ -d "$root/data" ] && as_postgres "$bin/pg_ctl" -D "$root/data" -m fast -w stop >/dev/null || true
    rm -rf "$root"
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
