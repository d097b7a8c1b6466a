#!/usr/bin/env bash
# Set up everything (Python deps, Chromium, PostgreSQL, axe-core) and run the whole test suite:
# ruff, mypy (strict on the core), the knowledge-base check and pytest (cases, properties, web,
# browser, SQLite and PostgreSQL). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --system

export B12CHECK_SHARED=${B12CHECK_SHARED:-$(cd .. && pwd)/shared}
export B12CHECK_TEST_POSTGRES_URL=${B12CHECK_TEST_POSTGRES_URL:-$(scripts/postgres.sh)}
# Tests never touch the developer's own data folder.
B12CHECK_DATA_DIR=$(mktemp -d)
export B12CHECK_DATA_DIR
trap 'rm -rf "$B12CHECK_DATA_DIR"' EXIT

echo "== ruff" && .venv/bin/ruff check src tests bench
echo "== mypy" && .venv/bin/mypy
echo "== knowledge base" && .venv/bin/b12check kb --format json > /dev/null
echo "== pytest"
set +e
.venv/bin/pytest -n 2 "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
