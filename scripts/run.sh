#!/usr/bin/env bash
# Set up (first time only) and start the web app on http://127.0.0.1:8000, Dutch by default.
# The SQLite database in the user's data folder is created and migrated by the app itself.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/b12check serve "$@"
