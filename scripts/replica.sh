#!/usr/bin/env bash
# A streaming replica (hot standby) of the serve cluster, for the public reads (README, "Beyond one machine"):
#   scripts/replica.sh start   pg_basebackup -R of the primary into .data/pg-replica (first time), then start it on
#                              its own socket (.data/replica-run, port 5435); prints GEO_PORTAL_REPLICA_URL
#   scripts/replica.sh stop
#   scripts/replica.sh lag     bytes of WAL the replica has still to replay, and the replay delay
# The primary's defaults allow it already: wal_level=replica, max_wal_senders=10, and initdb's pg_hba.conf trusts
# local replication connections (the socket directory is 0700: only the project's user reaches it). The tests use
# the same script on the test cluster (tests/publicmap/test_replica.py): PRIMARY_SOCK, PRIMARY_PORT, REPLICA_DATA,
# REPLICA_SOCK and REPLICA_PORT override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PGBIN=/usr/lib/postgresql/15/bin
PRIMARY_SOCK="${PRIMARY_SOCK:-$(readlink -f "$ROOT/.data/run")}"
PRIMARY_PORT="${PRIMARY_PORT:-5433}"
REPLICA_DATA_GIVEN="${REPLICA_DATA:-}"
REPLICA_DATA="${REPLICA_DATA:-$ROOT/.data/pg-replica}"
REPLICA_SOCK="${REPLICA_SOCK:-$ROOT/.data/replica-run}"
REPLICA_PORT="${REPLICA_PORT:-5435}"

as_pg() {
  # pg_basebackup's files and the server must belong to the server's user: postgres when run as root.
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Root with a checkout the postgres user cannot enter (a clone in /root): the replica lives beside the clusters in
# /var/lib/geo_portal/<checkout id>/ (as scripts/pg.sh does), linked from .data/.
place_outside_if_needed() {
  [ "$(id -u)" -eq 0 ] && [ -z "${REPLICA_DATA_GIVEN:-}" ] || return 0
  [ -L "$REPLICA_DATA" ] && return 0
  runuser -u postgres -- test -x "$ROOT/.data" && return 0
  local home
  home="/var/lib/geo_portal/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  install -d -o root -g root -m 755 /var/lib/geo_portal "$home"
  install -d -o postgres -g postgres -m 700 "$home/pg-replica" "$home/replica-run"
  rm -rf "$REPLICA_DATA" "$REPLICA_SOCK"
  ln -s "$home/pg-replica" "$REPLICA_DATA"
  ln -s "$home/replica-run" "$REPLICA_SOCK"
}

start() {
  mkdir -p "$ROOT/.data"
  place_outside_if_needed
  if [ "$(id -u)" -eq 0 ]; then
    install -d -o postgres -g postgres -m 700 "$REPLICA_SOCK"
    [ -d "$REPLICA_DATA" ] || install -d -o postgres -g postgres -m 700 "$REPLICA_DATA"
  else
    mkdir -p "$REPLICA_SOCK" "$REPLICA_DATA"; chmod 700 "$REPLICA_SOCK" "$REPLICA_DATA"
  fi
  REPLICA_DATA="$(readlink -f "$REPLICA_DATA")"
  REPLICA_SOCK="$(readlink -f "$REPLICA_SOCK")"
  if [ ! -f "$REPLICA_DATA/PG_VERSION" ]; then
    echo "==> base backup of the primary ($PRIMARY_SOCK, port $PRIMARY_PORT) into $REPLICA_DATA"
    # -R: standby.signal and primary_conninfo; -X stream: the WAL written during the copy comes along; -c fast: an
    # immediate checkpoint instead of a spread one.
    as_pg "$PGBIN/pg_basebackup" -h "$PRIMARY_SOCK" -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DATA" -R -X stream \
      -c fast
  fi
  if ! as_pg "$PGBIN/pg_ctl" -D "$REPLICA_DATA" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$REPLICA_DATA" -l "$REPLICA_DATA/server.log" -w -t 60 \
      -o "-k $REPLICA_SOCK -p $REPLICA_PORT -c listen_addresses='' -c hot_standby=on -c jit=off" start >/dev/null
  fi
  echo "==> replica running (hot standby; socket $REPLICA_SOCK, port $REPLICA_PORT)"
  echo "GEO_PORTAL_REPLICA_URL=postgis://geo_portal_reader@/geo_portal?host=$REPLICA_SOCK&port=$REPLICA_PORT"
}

stop() {
  if [ -f "$REPLICA_DATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$REPLICA_DATA" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$REPLICA_DATA" -m fast -w stop >/dev/null
    echo "==> replica stopped"
  else
    echo "==> replica is not running"
  fi
}

lag() {
  local primary_lsn
  primary_lsn="$(as_pg "$PGBIN/psql" -h "$PRIMARY_SOCK" -p "$PRIMARY_PORT" -U postgres -Atqc "SELECT pg_current_wal_lsn()" postgres)"
  as_pg "$PGBIN/psql" -h "$(readlink -f "$REPLICA_SOCK")" -p "$REPLICA_PORT" -U postgres -Atq postgres -c \
    "SELECT 'replay behind by ' || pg_wal_lsn_diff('$primary_lsn', pg_last_wal_replay_lsn()) || ' bytes; last replayed commit '
            || coalesce((now() - pg_last_xact_replay_timestamp())::text, 'none') || ' ago'"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  lag) lag ;;
  *) echo "usage: $0 {start|stop|lag}" >&2; exit 2 ;;
esac
