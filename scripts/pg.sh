#!/usr/bin/env bash
# The project's private PostGIS cluster: data in .data/pg, a unix socket in .data/run, port 5433, no TCP.
#   scripts/pg.sh start   create (first time) and start the cluster, create the database
#   scripts/pg.sh stop    stop it
# With DATABASE_URL set, the private cluster is not used and this script does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PGBIN=/usr/lib/postgresql/15/bin
DATA="$ROOT/.data/pg"
SOCK="$ROOT/.data/run"
PORT=5433
DB=geo_portal

if [ -n "${DATABASE_URL:-}" ]; then
  echo "==> DATABASE_URL is set; not using the private cluster"
  exit 0
fi

as_pg() {
  # initdb and postgres refuse to run as root: run them as the postgres user then.
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

case "${1:-start}" in
  start)
    mkdir -p "$ROOT/.data"
    if [ "$(id -u)" -eq 0 ]; then
      install -d -o postgres -g postgres -m 700 "$DATA"
      install -d -o postgres -g postgres -m 775 "$SOCK"
      if ! runuser -u postgres -- test -w "$DATA"; then
        echo "error: the postgres user cannot reach $DATA; clone the project outside a root-only directory (e.g. not in /root)" >&2
        exit 1
      fi
    else
      mkdir -p "$DATA" "$SOCK"; chmod 700 "$DATA"
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      echo "==> creating the private PostGIS cluster in $DATA"
      as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && [ ! -S "$SOCK/.s.PGSQL.$PORT" ]; then
      # Running but its socket file is gone (e.g. removed by a stale server of a deleted checkout at this path).
      echo "==> the cluster's socket is missing; restarting it"
      as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    fi
    if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      # The cluster serves development and tests only: durability settings are relaxed for speed.
      as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-k $SOCK -p $PORT -c listen_addresses='' -c jit=off -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=2GB -c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=512MB" \
        start >/dev/null
    fi
    if ! as_pg "$PGBIN/psql" -h "$SOCK" -p "$PORT" -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='$DB'" postgres | grep -q 1; then
      as_pg "$PGBIN/createdb" -h "$SOCK" -p "$PORT" -U postgres "$DB"
    fi
    echo "==> PostGIS cluster running (socket $SOCK, port $PORT, database $DB)"
    ;;
  stop)
    if [ -f "$DATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
      echo "==> PostGIS cluster stopped"
    else
      echo "==> PostGIS cluster is not running"
    fi
    ;;
  *)
    echo "usage: $0 {start|stop}" >&2; exit 2;;
esac
