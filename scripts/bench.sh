#!/usr/bin/env bash
# make bench: every bench/bench_*.py against a dedicated PostgreSQL database, then the
# results of this run merged into var/bench/results.json (bench/README.md).
#   BENCH_SCALE=0.05 make bench             quick run on less data
#   BENCH_ONLY=accept,clicks make bench     only bench_accept and bench_clicks
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_ENV=development DEBUG=false
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/leadmarket_bench}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/3}"
export CELERY_TASK_ALWAYS_EAGER=true LOG_LEVEL=${LOG_LEVEL:-WARNING}
# The product's production connection handling, in the bench process and in every gunicorn
# it starts: Django's psycopg pool (connection lifetime 0, taken and given back per request).
export DATABASE_POOL=true
db=$(.venv/bin/python -c "from urllib.parse import urlsplit; print(urlsplit('$DATABASE_URL').path.lstrip('/'))")
psql "${DATABASE_URL%/*}/postgres" -qtc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE $db"
.venv/bin/python manage.py migrate --no-input -v 0
shopt -s nullglob
ran=()
started=$SECONDS
for module in bench/bench_*.py; do
  name=$(basename "$module" .py)
  if [ -n "${BENCH_ONLY:-}" ] && [[ ",${BENCH_ONLY}," != *",${name#bench_},"* ]]; then
    continue
  fi
  echo "== $name"
  module_started=$SECONDS
  .venv/bin/python -m "bench.$name"
  echo "   ($((SECONDS - module_started))s)"
  ran+=("$name")
done
if [ ${#ran[@]} -eq 0 ]; then
  echo "BENCH_ONLY=${BENCH_ONLY:-} names no bench module (bench/bench_*.py)" >&2
  exit 2
fi
echo "== results ($((SECONDS - started))s in all)"
.venv/bin/python -m bench.results merge "${ran[@]}"
