#!/usr/bin/env bash
# The project's two private PostGIS clusters, unix sockets only (no TCP listener):
#   serve  the platform's data (`make demo`, the notebooks, the job worker): durable — fsync, synchronous commit
#          and full-page writes on, as PostgreSQL ships them. Data in .data/pg, socket .data/run, port 5433.
#   test   a throw-away cluster for the test suite: durability relaxed for speed (a crash may lose or corrupt it,
#          which costs nothing: tests create their databases afresh). Data .data/pg-test, socket .data/test-run, 5434.
#   scripts/pg.sh start [serve|test]   create (first time) and start a cluster (and the serve cluster's database)
#   scripts/pg.sh stop [serve|test|all]
# Only the project's user can connect: the socket directory is mode 0700 (owned by the server's user; when the
# project runs as root the server runs as `postgres`, and root reaches the socket anyway). When run as root from a
# directory the postgres user cannot enter (a clone in /root, mode 0700), the clusters live in
# /var/lib/geo_portal/<checkout id>/ and .data/pg, .data/run … are symbolic links to them.
# With DATABASE_URL set, the private clusters are not used and this script does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PGBIN=/usr/lib/postgresql/15/bin
DB=geo_portal
ACTION="${1:-start}"
CLUSTER="${2:-serve}"

if [ -n "${DATABASE_URL:-}" ]; then
  echo "==> DATABASE_URL is set; not using the private cluster"
  exit 0
fi

as_pg() {
  # initdb and postgres refuse to run as root: run them as the postgres user then.
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

settings_for() {
  case "$1" in
    serve)
      DATA_NAME=pg; SOCK_NAME=run; PORT=5433
      # Durable: PostgreSQL's defaults for fsync, synchronous_commit and full_page_writes are kept. A national
      # import writes ~1.9 GB of WAL per million plates in one transaction: room between checkpoints (size, timeout) spares
      # the load repeated checkpoints and their full-page images; crash recovery replays more, durability is the same.
      OPTS="-c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=512MB -c max_wal_size=8GB -c checkpoint_timeout=15min -c jit=off"
      ;;
    test)
      DATA_NAME=pg-test; SOCK_NAME=test-run; PORT=5434
      OPTS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=512MB -c max_wal_size=2GB -c jit=off"
      ;;
    *) echo "unknown cluster '$1' (serve or test)" >&2; exit 2;;
  esac
  DATA="$ROOT/.data/$DATA_NAME"
  SOCK="$ROOT/.data/$SOCK_NAME"
}

# Root with a checkout the postgres user cannot enter: keep the clusters where it can, linked from .data/.
place_outside_if_needed() {
  [ "$(id -u)" -eq 0 ] || return 0
  [ -L "$DATA" ] && return 0
  [ -e "$DATA/PG_VERSION" ] && return 0
  mkdir -p "$ROOT/.data"
  if runuser -u postgres -- test -x "$ROOT/.data"; then return 0; fi
  local home
  home="/var/lib/geo_portal/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  install -d -o root -g root -m 755 /var/lib/geo_portal "$home"
  install -d -o postgres -g postgres -m 700 "$home/$DATA_NAME" "$home/$SOCK_NAME"
  rm -rf "$DATA" "$SOCK"
  ln -s "$home/$DATA_NAME" "$DATA"
  ln -s "$home/$SOCK_NAME" "$SOCK"
  echo "==> $ROOT is not reachable by the postgres user: the $CLUSTER cluster lives in $home"
}

start() {
  settings_for "$1"
  mkdir -p "$ROOT/.data"
  place_outside_if_needed
  # The server's user works with the real paths (it may not be able to pass through the checkout to the links).
  DATA="$(readlink -f "$DATA")"
  local link="$SOCK"
  SOCK="$(readlink -f "$SOCK")"
  if [ "$(id -u)" -eq 0 ]; then
    install -d -o postgres -g postgres -m 700 "$DATA" "$SOCK"
    if ! runuser -u postgres -- test -w "$DATA"; then
      echo "error: the postgres user cannot reach $DATA" >&2
      exit 1
    fi
  else
    mkdir -p "$DATA" "$SOCK"; chmod 700 "$DATA" "$SOCK"
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    echo "==> creating the private PostGIS cluster '$1' in $DATA"
    as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && [ ! -S "$SOCK/.s.PGSQL.$PORT" ]; then
    # Running but its socket file is gone (e.g. removed by a stale server of a deleted checkout at this path).
    echo "==> the cluster's socket is missing; restarting it"
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
  if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
      -o "-k $SOCK -p $PORT -c listen_addresses='' $OPTS" start >/dev/null
  fi
  if ! as_pg "$PGBIN/psql" -h "$SOCK" -p "$PORT" -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='$DB'" postgres | grep -q 1; then
    as_pg "$PGBIN/createdb" -h "$SOCK" -p "$PORT" -U postgres "$DB"
  fi
  if [ "$1" = serve ]; then
    echo "==> PostGIS cluster '$1' running, durable (socket $link, port $PORT, database $DB)"
  else
    echo "==> PostGIS cluster '$1' running, throw-away: fsync off (socket $link, port $PORT)"
  fi
}

stop() {
  settings_for "$1"
  [ -e "$DATA" ] && DATA="$(readlink -f "$DATA")"
  if [ -f "$DATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "==> PostGIS cluster '$1' stopped"
  else
    echo "==> PostGIS cluster '$1' is not running"
  fi
}

case "$ACTION" in
  start) start "$CLUSTER" ;;
  stop)
    if [ "$CLUSTER" = all ]; then stop serve; stop test; else stop "$CLUSTER"; fi
    ;;
  *)
    echo "usage: $0 {start|stop} [serve|test|all]" >&2; exit 2;;
esac
