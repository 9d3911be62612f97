#!/usr/bin/env bash
# A highly available PostgreSQL for Kron on ONE Debian machine: a single-member etcd and two PostgreSQL 15 members
# managed by Patroni, with synchronous replication. A demonstration and a failover drill, not a production layout
# (production: 3 etcd members and 2-3 PostgreSQL members on separate machines; see docs/patroni.md).
#
#   bash scripts/patroni-demo.sh up                 install what is missing (patroni, etcd-server, postgresql-15),
#                                                   start etcd and two Patroni members on free loopback ports, create
#                                                   the "kron" role and database, print the connection strings
#   bash scripts/patroni-demo.sh status             patronictl list, and the connection strings
#   bash scripts/patroni-demo.sh switchover         planned change of primary (patronictl switchover): no data lost
#   bash scripts/patroni-demo.sh failover [MODE]    kill -9 on the primary, then measure how long until a primary
#                                                   accepts writes again through the multi-host connection string:
#                                                     node      (default) Patroni and every postgres process of the
#                                                               primary: the machine died; the replica is promoted
#                                                               once the leader key expires in etcd (at most ttl)
#                                                     postgres  only the postmaster and its children: Patroni is alive
#                                                               and restarts PostgreSQL on the same member
#                                                     patroni   only Patroni: PostgreSQL runs on without its manager;
#                                                               the replica is promoted after ttl (see docs/patroni.md)
#   bash scripts/patroni-demo.sh drill [MODE]       the same failover with a writer inserting rows through the
#                                                   multi-host string before, during and after; then checks that
#                                                   every row whose INSERT was acknowledged is on the new primary
#   bash scripts/patroni-demo.sh start MEMBER       start a stopped member again (pg1 or pg2): it rejoins as a replica
#                                                   (pg_rewind if it was the old primary) and becomes the sync standby
#   bash scripts/patroni-demo.sh down               stop everything and delete the directory
#
# Environment: KRON_PATRONI_DIR (default /tmp/kron-patroni), KRON_PATRONI_TTL / _LOOP_WAIT / _RETRY_TIMEOUT
# (default 10 / 2 / 4 seconds for a quick demo; Patroni's defaults, used in production, are 30 / 10 / 10).
#
# PostgreSQL refuses to run as root: etcd and Patroni (which starts PostgreSQL) run as the "postgres" user.
set -euo pipefail

root=${KRON_PATRONI_DIR:-/tmp/kron-patroni}
state=$root/demo.env            # ports and passwords chosen by "up", read by every other subcommand
scope=kron-demo                 # the Patroni cluster name (the etcd key prefix is /service/kron-demo/)
members=(pg1 pg2)
pgbin=/usr/lib/postgresql/15/bin

log() { printf '%s  %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }   # milliseconds -> "12.3"

# Run a command as the postgres user. setpriv, env and nohup each exec the next program, so "${as_postgres[@]} cmd &"
# (an external command, not a shell function, which bash would run in a forked subshell) makes $! the process id
# of cmd itself: the pid files below name the real etcd and Patroni processes.
as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$root")

# ---------------------------------------------------------------------------------------------------------------
# Packages and ports
# ---------------------------------------------------------------------------------------------------------------

install_missing() {
  local missing=()
  command -v patroni >/dev/null || missing+=(patroni)
  command -v etcd >/dev/null || missing+=(etcd-server)
  [ -x "$pgbin/postgres" ] || missing+=(postgresql-15)
  command -v psql >/dev/null || missing+=(postgresql-client-15)
  command -v curl >/dev/null || missing+=(curl)
  command -v jq >/dev/null || missing+=(jq)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  # Note: on a full Debian system these packages also enable their own services (a "15 main" cluster on 5432, an
  # etcd on 2379); the demo does not use them and picks ports that are free.
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# A port is free when nothing accepts a connection on it on the loopback address.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
taken=" "
# pick_port VAR START: the first free port from START on that this run has not already picked, into VAR.
pick_port() {
  local p=$2
  while ! port_free "$p" || [[ $taken == *" $p "* ]]; do p=$((p + 1)); done
  taken+="$p "
  printf -v "$1" '%s' "$p"
}

password() { tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20 || true; }

load_state() {
  [ -f "$state" ] || die "not up: run '$0 up' first"
  # shellcheck disable=SC1090
  . "$state"
}

# The connection strings for Kron (Npgsql) and for psql (libpq): every member, only the primary is accepted.
npgsql_string() {
  echo "Host=127.0.0.1:${pg_port[pg1]},127.0.0.1:${pg_port[pg2]};Database=kron;Username=kron;Password=$kron_password;Target Session Attributes=primary"
}
libpq_string() {
  echo "host=127.0.0.1,127.0.0.1 port=${pg_port[pg1]},${pg_port[pg2]} dbname=kron user=kron target_session_attrs=read-write connect_timeout=2"
}
print_strings() {
  echo
  echo "Kron:  kron serve --store \"$(npgsql_string)\""
  echo "psql:  PGPASSWORD=$kron_password psql \"$(libpq_string)\""
}

# ---------------------------------------------------------------------------------------------------------------
# Patroni members
# ---------------------------------------------------------------------------------------------------------------

# The Patroni configuration of one member. bootstrap.dcs is written to etcd by the first member that initialises
# the cluster and is then shared by all members (change it later with "patronictl edit-config").
write_member_config() {
  local name=$1 dir=$root/$1
  mkdir -p "$dir"
  cat >"$root/$name.yml" <<EOF
scope: $scope
name: $name

restapi:                       # health checks, patronictl, and the other members ask each other here
  listen: 127.0.0.1:${rest_port[$name]}
  connect_address: 127.0.0.1:${rest_port[$name]}

etcd3:                         # the DCS: the leader key lives here with a lease of ttl seconds
  hosts: 127.0.0.1:$etcd_client_port

bootstrap:
  dcs:
    ttl: ${KRON_PATRONI_TTL:-10}                    # the leader key expires this long after the primary's Patroni stops renewing it
    loop_wait: ${KRON_PATRONI_LOOP_WAIT:-2}               # seconds between two runs of Patroni's HA loop
    retry_timeout: ${KRON_PATRONI_RETRY_TIMEOUT:-4}           # etcd and PostgreSQL operations are retried this long (loop_wait + 2 * retry_timeout <= ttl)
    maximum_lag_on_failover: 1048576
    synchronous_mode: true     # a commit returns only once a synchronous standby has it; only that standby may be promoted
    synchronous_mode_strict: false   # with no standby left, the primary goes on alone (strict: writes would block)
    postgresql:
      use_pg_rewind: true      # a failed old primary rejoins as a replica by rewinding its divergent WAL
      use_slots: true
      parameters:
        max_connections: 300
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        synchronous_commit: "on"
  initdb:
    - encoding: UTF8
    - data-checksums

postgresql:
  listen: 127.0.0.1:${pg_port[$name]}
  connect_address: 127.0.0.1:${pg_port[$name]}
  data_dir: $dir/data
  bin_dir: $pgbin
  pgpass: $dir/pgpass
  authentication:
    superuser: {username: postgres, password: $postgres_password}
    replication: {username: replicator, password: $replication_password}
    rewind: {username: rewinder, password: $rewind_password}
  parameters:
    unix_socket_directories: $dir
  pg_hba:
    - local all all peer
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
EOF
  chown -R postgres: "$dir" "$root/$name.yml"
  chmod 600 "$root/$name.yml"
}

start_member() {
  local name=$1
  [ -f "$root/$name.yml" ] || die "no member $name"
  if patroni_pid "$name" >/dev/null; then log "$name: Patroni already runs"; return 0; fi
  log "$name: starting Patroni (PostgreSQL on 127.0.0.1:${pg_port[$name]}, REST on 127.0.0.1:${rest_port[$name]})"
  "${as_postgres[@]}" nohup patroni "$root/$name.yml" >>"$root/$name/patroni.log" 2>&1 </dev/null &
  echo $! >"$root/$name/patroni.pid"
}

patroni_pid() {
  local pid
  pid=$(cat "$root/$1/patroni.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

postmaster_pid() {
  local pid
  pid=$(head -1 "$root/$1/data/postmaster.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# The HTTP status of one of Patroni's health endpoints: /primary is 200 on the leader, /sync on the sync standby.
rest_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:${rest_port[$1]}/$2" || true; }

is_primary() { [ "$(rest_code "$1" primary)" = 200 ]; }
is_sync() { [ "$(rest_code "$1" sync)" = 200 ]; }
etcd_healthy() { curl -sf --max-time 1 "http://127.0.0.1:$etcd_client_port/health" | grep -q true; }

# The member that Patroni says is the primary, or nothing.
current_primary() {
  local m
  for m in "${members[@]}"; do
    [ "$(rest_code "$m" primary)" = 200 ] && { echo "$m"; return 0; }
  done
  return 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.1 s until it succeeds.
wait_for() {
  local limit=$(( $(now_ms) + $1 * 1000 )) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$limit" ] || die "timed out waiting for $what (logs in $root)"
    sleep 0.1
  done
}

psql_super() { PGPASSWORD=$postgres_password psql -XAtq -h 127.0.0.1 -p "${pg_port[$1]}" -U postgres -d "${2:-postgres}" -v ON_ERROR_STOP=1; }
# Through the multi-host string, as Kron connects. A client gives up after 5 s: a commit that waits for a standby
# that will never answer is not acknowledged.
psql_kron() { PGPASSWORD=$kron_password PGOPTIONS='-c client_min_messages=warning' timeout 5 psql -XAtq -v ON_ERROR_STOP=1 "$(libpq_string)" "$@"; }

# ---------------------------------------------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------------------------------------------

cmd_up() {
  if [ -f "$state" ]; then
    load_state
    if patroni_pid pg1 >/dev/null || patroni_pid pg2 >/dev/null; then
      log "already up in $root"; cmd_status; return 0
    fi
    die "$root exists but nothing runs: run '$0 down' first"
  fi
  [ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and starts processes as the postgres user)"
  install_missing

  mkdir -p "$root"
  chown postgres: "$root"
  chmod 700 "$root"

  # Free loopback ports, each distinct; written down for the other subcommands.
  declare -gA pg_port rest_port
  pick_port etcd_client_port 23790
  pick_port etcd_peer_port 23800
  pick_port "pg_port[pg1]" 5441
  pick_port "pg_port[pg2]" 5442
  pick_port "rest_port[pg1]" 8441
  pick_port "rest_port[pg2]" 8442
  postgres_password=$(password) replication_password=$(password) rewind_password=$(password) kron_password=$(password)
  {
    echo "declare -gA pg_port=([pg1]=${pg_port[pg1]} [pg2]=${pg_port[pg2]}) rest_port=([pg1]=${rest_port[pg1]} [pg2]=${rest_port[pg2]})"
    echo "etcd_client_port=$etcd_client_port etcd_peer_port=$etcd_peer_port"
    echo "postgres_password=$postgres_password replication_password=$replication_password"
    echo "rewind_password=$rewind_password kron_password=$kron_password"
  } >"$state"
  chmod 600 "$state"

  # 1. etcd: one member, loopback only. Production runs three on three machines (a majority survives one loss).
  log "etcd: starting on 127.0.0.1:$etcd_client_port"
  mkdir -p "$root/etcd"
  chown postgres: "$root/etcd"
  "${as_postgres[@]}" nohup etcd --name kron-demo-etcd --data-dir "$root/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$etcd_client_port" --advertise-client-urls "http://127.0.0.1:$etcd_client_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "kron-demo-etcd=http://127.0.0.1:$etcd_peer_port" --initial-cluster-state new \
    --initial-cluster-token kron-demo >>"$root/etcd/etcd.log" 2>&1 </dev/null &
  echo $! >"$root/etcd/etcd.pid"
  wait_for 30 "etcd" etcd_healthy

  # 2. The first member initialises the cluster (initdb, bootstrap.dcs into etcd) and becomes the primary.
  local m
  for m in "${members[@]}"; do write_member_config "$m"; done
  start_member pg1
  wait_for 90 "pg1 to become the primary" is_primary pg1

  # 3. The second member clones the primary (pg_basebackup) and becomes its synchronous standby.
  start_member pg2
  wait_for 120 "pg2 to become the synchronous standby" is_sync pg2

  # 4. Kron's role and database (Patroni 3 no longer creates application users). The database's owner may create
  #    tables in its public schema, which is all Kron's migrations need.
  log "creating role and database kron"
  psql_super pg1 <<SQL
CREATE ROLE kron LOGIN PASSWORD '$kron_password';
CREATE DATABASE kron OWNER kron;
SQL
  cmd_status
}

cmd_status() {
  load_state
  patronictl -c "$root/pg1.yml" list || true
  print_strings
}

cmd_switchover() {
  load_state
  local old new
  old=$(current_primary) || die "no primary right now"
  new=$([ "$old" = pg1 ] && echo pg2 || echo pg1)
  local t0; t0=$(now_ms)
  patronictl -c "$root/pg1.yml" switchover --leader "$old" --candidate "$new" --force
  wait_for 60 "$new to become the primary" is_primary "$new"
  log "switchover $old -> $new: $new is primary after $(secs $(( $(now_ms) - t0 ))) s"
  wait_for 60 "a write through the multi-host string" psql_kron -c "SELECT 1 WHERE NOT pg_is_in_recovery()"
  log "writes accepted after $(secs $(( $(now_ms) - t0 ))) s"
}

# kill_primary MODE: kill -9 (parts of) the primary member; prints its name and the time of the kill (ms).
kill_primary() {
  local mode=$1 old pids=() pm pp
  old=$(current_primary) || die "no primary right now"
  pm=$(postmaster_pid "$old") || die "$old: no postmaster"
  pp=$(patroni_pid "$old") || die "$old: Patroni does not run"
  case $mode in
    # The machine dies: Patroni stops renewing the leader key, PostgreSQL stops answering.
    node)     pids=("$pp" "$pm" $(pgrep -P "$pm" || true)) ;;
    # PostgreSQL crashes: Patroni still holds the leader key, finds PostgreSQL gone at its next loop, runs crash
    # recovery and starts it again as the primary (a new timeline); no other member is promoted.
    postgres) pids=("$pm" $(pgrep -P "$pm" || true)) ;;
    # Patroni crashes: PostgreSQL runs on as a primary nobody manages while the other member is promoted after ttl.
    # Its commits then wait forever for a synchronous standby that is gone (nothing acknowledged is lost), but a
    # client that reaches it first hangs. Production runs Patroni with a watchdog so that the machine resets.
    patroni)  pids=("$pp") ;;
    *) die "failover mode is node, postgres or patroni" ;;
  esac
  kill -9 "${pids[@]}"
  echo "$old $(now_ms)"
  log "kill -9 $old ($mode): pids ${pids[*]}"
}

# failover_and_measure MODE: kill, then wait for a primary that accepts writes through the multi-host string.
failover_and_measure() {
  local mode=${1:-node} old old_pm t0 t_primary killed
  old_pm=$(postmaster_pid "$(current_primary)") || die "no primary right now"
  killed=$(kill_primary "$mode")
  old=${killed% *} t0=${killed#* }
  failover_t_kill=$t0
  # A primary in Patroni's eyes: after "node" or "patroni", the other member once it is promoted; after
  # "postgres", the member that Patroni says leads once it runs a new postmaster (normally the same member).
  until p=$(current_primary) && { [ "$p" != "$old" ] || { [ "$mode" = postgres ] && pm=$(postmaster_pid "$p") && [ "$pm" != "$old_pm" ]; }; }; do
    [ $(( $(now_ms) - t0 )) -lt 180000 ] || die "no primary 180 s after the kill"
    sleep 0.1
  done
  t_primary=$(now_ms)
  log "$p holds the leader key (its REST /primary answers 200) $(secs $(( t_primary - t0 ))) s after the kill"
  wait_for 120 "a write through the multi-host string" psql_kron -c "CREATE TABLE IF NOT EXISTS failover_probe (at timestamptz); INSERT INTO failover_probe VALUES (now())"
  log "a write through the multi-host string succeeds $(secs $(( $(now_ms) - t0 ))) s after the kill"
  failover_old=$old failover_new=$p
}

cmd_failover() {
  load_state
  failover_and_measure "${1:-node}"
  patronictl -c "$root/$failover_new.yml" list || true
  [ "${1:-node}" = postgres ] || log "restart the old primary as a replica with: $0 start $failover_old"
}

# The drill: a writer inserts a row every ~50 ms through the multi-host string and logs each acknowledged id; after
# the failover every acknowledged id must be on the new primary (synchronous replication). Rows whose INSERT was in
# flight at the kill may or may not be there: their client never got an answer.
cmd_drill() {
  load_state
  local mode=${1:-node} wlog=$root/drill-writer.log
  psql_kron -c "CREATE TABLE IF NOT EXISTS drill (id bigserial PRIMARY KEY, client_ms bigint, at timestamptz DEFAULT clock_timestamp())"
  rm -f "$root/drill-stop" "$wlog"
  trap 'touch "$root/drill-stop"' EXIT   # the writer stops with the script, whatever happens
  (
    while [ ! -e "$root/drill-stop" ]; do
      ts=$(now_ms)
      if out=$(psql_kron -c "INSERT INTO drill (client_ms) VALUES ($ts) RETURNING id || ' ' || inet_server_port()" 2>/dev/null); then
        echo "$ts ok $out $(now_ms)"      # started, ok, id, port, answered
      else
        echo "$ts fail"
      fi
      sleep 0.05
    done >"$wlog"
  ) &
  local writer=$!
  sleep 5
  failover_and_measure "$mode"
  local t_kill=$failover_t_kill
  sleep 5
  touch "$root/drill-stop"
  wait "$writer" || true

  # Writer's view: the last acknowledged write before the kill and the first one after it.
  local last_before first_after fails acked
  last_before=$(awk -v k="$t_kill" '$2 == "ok" && $5 < k { t = $5 } END { print t }' "$wlog")
  first_after=$(awk -v k="$t_kill" '$2 == "ok" && $1 >= k { print $5; exit }' "$wlog")
  fails=$(awk '$2 == "fail"' "$wlog" | wc -l)
  acked=$(awk '$2 == "ok" { print $3 }' "$wlog" | sort -n)
  log "writer: $(echo "$acked" | wc -l) acknowledged inserts, $fails failed attempts"
  [ -n "$first_after" ] && [ -n "$last_before" ] || die "the writer saw no acknowledged write before or after the kill ($wlog)"
  log "writer: first write started after the kill acknowledged $(secs $(( first_after - t_kill ))) s after it; no acknowledgement for $(secs $(( first_after - last_before ))) s"

  # Every acknowledged id must be on the new primary.
  local present missing
  present=$(psql_kron -c "SELECT id FROM drill ORDER BY id")
  missing=$(comm -23 <(echo "$acked" | sort) <(echo "$present" | sort) | wc -l)
  log "new primary ($failover_new) holds $(echo "$present" | wc -l) rows; acknowledged but missing: $missing"
  [ "$missing" -eq 0 ] || { log "LOST ACKNOWLEDGED WRITES"; return 1; }
}

cmd_start() {
  load_state
  local name=${1:?usage: $0 start pg1|pg2}
  # After "failover patroni" the old PostgreSQL may still run without its manager: Patroni adopts it on start.
  start_member "$name"
  wait_for 180 "$name to rejoin as the synchronous standby" is_sync "$name"
  patronictl -c "$root/$name.yml" list || true
}

cmd_down() {
  [ -d "$root" ] || { log "nothing to stop ($root does not exist)"; return 0; }
  local m pid
  # Patroni stops its PostgreSQL when it gets SIGTERM; give both members a moment, then kill whatever is left:
  # the Patroni and etcd processes started here, the postmasters of the two data directories, and their children.
  for m in "${members[@]}"; do pid=$(patroni_pid "$m") && kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 150); do
    patroni_pid pg1 >/dev/null || patroni_pid pg2 >/dev/null || postmaster_pid pg1 >/dev/null || postmaster_pid pg2 >/dev/null || break
    sleep 0.2
  done
  for m in "${members[@]}"; do
    pid=$(patroni_pid "$m") && kill -9 "$pid" 2>/dev/null || true
    if pid=$(postmaster_pid "$m"); then kill -9 "$pid" $(pgrep -P "$pid" || true) 2>/dev/null || true; fi
  done
  if pid=$(cat "$root/etcd/etcd.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; sleep 0.5; kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$root"
  log "stopped; removed $root"
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  switchover) cmd_switchover ;;
  failover) cmd_failover "${2:-node}" ;;
  drill) cmd_drill "${2:-node}" ;;
  start) cmd_start "${2:-}" ;;
  down) cmd_down ;;
  *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
