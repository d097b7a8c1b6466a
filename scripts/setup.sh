#!/usr/bin/env bash
# Set up everything b12check needs, idempotently: a virtualenv with the locked dependencies and the
# package itself; with --system also Debian's Chromium, PostgreSQL, wrk, PDF tools and Java for
# PySpark (as root), and axe-core and swagger-ui-dist from the npm registry (the test suite drives
# axe-core; the API page serves Swagger UI from the app's static files).
set -euo pipefail
cd "$(dirname "$0")/.."

system=0
[ "${1:-}" = "--system" ] && system=1

if [ "$system" = 1 ]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need+=(libharfbuzz-subset0)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)  # PySpark (b12check screen)
  if [ "${#need[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${need[@]}" >&2
  fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.b12check-lock
if [ ! -f "$stamp" ] || ! cmp -s requirements.lock "$stamp"; then
  echo "setup: installing locked Python dependencies" >&2
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -r requirements.lock >&2
  cp requirements.lock "$stamp"
fi
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . >&2 2>/dev/null \
  || .venv/bin/python -m pip install -q --no-deps -e . >&2

if [ "$system" = 1 ] && { [ ! -f node_modules/axe-core/axe.min.js ] \
    || [ ! -f node_modules/swagger-ui-dist/swagger-ui-bundle.js ]; }; then
  echo "setup: installing axe-core and swagger-ui-dist (npm ci)" >&2
  SCARF_ANALYTICS=false npm ci --no-audit --no-fund --silent >&2  # swagger-ui-dist pulls @scarf/scarf: no telemetry
fi
# The interactive API page serves Swagger UI from the app's own static files (no CDN).
vendor=src/b12check/web/static/vendor/swagger-ui
if [ -f node_modules/swagger-ui-dist/swagger-ui-bundle.js ]; then
  mkdir -p "$vendor"
  for f in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
    cmp -s "node_modules/swagger-ui-dist/$f" "$vendor/$f" || cp "node_modules/swagger-ui-dist/$f" "$vendor/$f"
  done
fi
