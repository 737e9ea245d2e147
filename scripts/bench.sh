#!/usr/bin/env bash
# make bench: every bench/bench_*.py against a dedicated PostgreSQL database.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_ENV=development DEBUG=false
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/leadmarket_bench}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/3}"
export CELERY_TASK_ALWAYS_EAGER=true
db=$(.venv/bin/python -c "from urllib.parse import urlsplit; print(urlsplit('$DATABASE_URL').path.lstrip('/'))")
psql "${DATABASE_URL%/*}/postgres" -qtc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE $db"
.venv/bin/python manage.py migrate --no-input -v 0
shopt -s nullglob
for module in bench/bench_*.py; do
  name=$(basename "$module" .py)
  echo "== $name"
  .venv/bin/python -m "bench.$name"
done
