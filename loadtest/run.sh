#!/usr/bin/env bash
# make load: a bounded load run on loopback — gunicorn + a real Celery worker against
# PostgreSQL (a dedicated, freshly created `leadmarket_load` database) and Redis — then the
# database invariants. LOAD_SECONDS (60), LOAD_USERS (40), LOAD_WEB_WORKERS (3), LOAD_PORT (8765).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OUT=var/load
mkdir -p "$OUT"

export DJANGO_SETTINGS_MODULE=marketplace.settings DJANGO_ENV=development DEBUG=false LOG_LEVEL=WARNING
export DATABASE_URL="${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/leadmarket_load}"
export REDIS_URL="${LOAD_REDIS_URL:-redis://127.0.0.1:6379/9}"
export DATABASE_POOL_MAX="${DATABASE_POOL_MAX:-8}"
# The scenario's few hundred accounts post far more than a person would: lift the throttles
# (they protect the service, they are not what is measured) and keep tokens valid for the run.
export THROTTLE_QUOTE_REQUESTS=1000000/hour THROTTLE_AUTH=1000000/min THROTTLE_CLICKS=1000000/min JWT_ACCESS_MINUTES=240
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
SECONDS_="${LOAD_SECONDS:-60}" USERS="${LOAD_USERS:-40}" WEB_WORKERS="${LOAD_WEB_WORKERS:-3}" PORT="${LOAD_PORT:-8765}"

[[ "$DATABASE_URL" == *_load ]] || { echo "LOAD_DATABASE_URL must name a database ending in _load"; exit 2; }
echo "== fresh database $(basename "$DATABASE_URL"), Redis $REDIS_URL"
$BIN/python - <<'PY'
import os
from urllib.parse import urlsplit
import psycopg
url = urlsplit(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
admin = url._replace(path="/postgres").geturl()
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{name}"')
import redis
redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
PY
$BIN/python manage.py migrate --no-input -v 0
$BIN/python manage.py shell -v 0 -c "from loadtest.seed import main; main()"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
$BIN/gunicorn marketplace.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WEB_WORKERS" \
  --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" >>"$OUT/gunicorn.log" 2>&1 &
pids+=($!)
$BIN/celery -A marketplace worker --concurrency=2 --loglevel=WARNING --logfile "$OUT/worker.log" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null -H "X-Marketplace: maple" "http://127.0.0.1:$PORT/api/v1/categories/" 2>/dev/null && break
  sleep 0.5
done

echo "== locust: $USERS users for ${SECONDS_}s against gunicorn ($WEB_WORKERS workers) + 1 Celery worker (2 processes)"
$BIN/locust -f loadtest/locustfile.py --headless --users "$USERS" --spawn-rate 10 --run-time "${SECONDS_}s" \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary --loglevel WARNING \
  >"$OUT/locust.log" 2>&1 || true
echo
$BIN/python loadtest/report.py "$OUT/locust_stats.csv" | tee "$OUT/summary.txt"

echo
echo "== invariants (after the expiry job on the worker)"
status=0
$BIN/python manage.py shell -v 0 -c "from loadtest.invariants import main; main()" | tee -a "$OUT/summary.txt" || status=$?
# Saved for the side-by-side table `make load TOPOLOGY=N,M` prints.
$BIN/python loadtest/scale_run.py --save "1 gunicorn × $WEB_WORKERS + 1 worker, PostgreSQL direct" \
  "$OUT/locust_stats.csv" "$status" "$OUT/topology-1-1.json"
exit $status
