#!/usr/bin/env bash
# Start Debian's PostgreSQL 15 cluster if it is down, make sure the test role and database exist,
# and print the SQLAlchemy URL the test suite reads from B12CHECK_TEST_POSTGRES_URL.
# Idempotent; runs as root (CI) or as a user allowed to `sudo -u postgres`.
set -euo pipefail

version=${PG_VERSION:-15}
cluster=${PG_CLUSTER:-main}
role=${B12CHECK_PG_ROLE:-b12check_test}
password=${B12CHECK_PG_PASSWORD:-b12check_test}
database=${B12CHECK_PG_DATABASE:-b12check_test}
port=${PG_PORT:-5432}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
  pg_ctlcluster "$version" "$cluster" start >&2
fi

# Wait until the server accepts connections (a cold start takes a second or two).
for _ in $(seq 1 50); do
  if as_postgres pg_isready -q -p "$port"; then break; fi
  sleep 0.2
done
as_postgres pg_isready -q -p "$port"

psql_admin() { as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qtA "$@"; }

if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" ]; then
  psql_admin -c "CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password'" >&2
fi
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
  psql_admin -c "CREATE DATABASE $database OWNER $role" >&2
fi

echo "postgresql+psycopg://$role:$password@127.0.0.1:$port/$database"
