#!/usr/bin/env bash
# `make demo`: the platform as it is deployed — gunicorn with the project's config (geo_portal/config/gunicorn.py),
# static files served by whitenoise, DEBUG off (settings.demo) — and the job-queue worker in the
# background, stopped with it. `manage.py runserver` stays for development only.
#   scripts/serve_with_worker.sh [ADDRESS:PORT]   (default 127.0.0.1:8000)
# The worker runs the jobs queued by imports (plate→building links, 3+3 zip codes) and the nightly prunes.
# Its log goes to .data/worker.log; Ctrl+C (or any exit of gunicorn) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
ADDR="${1:-127.0.0.1:8000}"
mkdir -p .data
LOG=.data/worker.log
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-geo_portal.config.settings.demo}"

# Four concurrent jobs: a slow agency's webhook (10 s timeout) must not hold up the other jobs.
$PY manage.py procrastinate worker --concurrency 4 >>"$LOG" 2>&1 &
WORKER=$!
stop_worker() {
  if kill -0 "$WORKER" 2>/dev/null; then
    kill -TERM "$WORKER" 2>/dev/null || true
    wait "$WORKER" 2>/dev/null || true
    echo "==> job worker stopped"
  fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sleep 1
if ! kill -0 "$WORKER" 2>/dev/null; then
  echo "error: the job worker did not start; see $LOG" >&2
  tail -n 20 "$LOG" >&2 || true
  exit 1
fi
echo "==> job worker running (pid $WORKER, log $LOG); staff see jobs at http://$ADDR/admin/procrastinate/procrastinatejob/"
echo "==> serving with gunicorn on http://$ADDR/ (Ctrl+C stops it and the worker)"
.venv/bin/gunicorn -c python:geo_portal.config.gunicorn --bind "$ADDR" --log-level "${GUNICORN_LOG_LEVEL:-info}" \
  geo_portal.config.wsgi:application
