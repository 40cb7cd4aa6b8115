#!/usr/bin/env bash
# Installs what geo_portal needs on a fresh Debian 12 machine: system packages (only the missing ones),
# a virtualenv in .venv with the pinned Python dependencies. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

# WeasyPrint (census sheets as PDF) lays out text with Pango and subsets fonts with HarfBuzz; Noto Sans CJK TC gives
# the printouts Taiwan's glyph forms (WenQuanYi Micro Hei stays as the pages' fallback).
APT_PACKAGES=(postgresql-15-postgis-3 postgresql-contrib gdal-bin gettext chromium fonts-wqy-microhei fonts-noto-cjk
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 python3-venv)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node.js and npm install the front-end libraries (package-lock.json); many machines already have them.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.geo_portal-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing Python dependencies (pinned in pyproject.toml)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
# Front-end libraries (Leaflet vector-tile renderer, axe-core for the accessibility tests), served from our own
# static files so the map works without any CDN.
if [ ! -f node_modules/.geo_portal-installed ] || [ package-lock.json -nt node_modules/.geo_portal-installed ]; then
  echo "==> installing front-end libraries (pinned in package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.geo_portal-installed
fi
# Translations (zh-Hant UI, English) are compiled from the .po files in the repository.
DJANGO_SETTINGS_MODULE=geo_portal.config.settings.test .venv/bin/python manage.py compilemessages -v0 --ignore=.venv
