#!/usr/bin/env bash
# make test: run the suite against PostgreSQL and Redis, saying plainly what is missing.
set -uo pipefail
cd "$(dirname "$0")/.."

export DJANGO_ENV=test
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/leadmarket}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"

reachable() {  # host port
  .venv/bin/python - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}
hostport() {  # url default_port -> "host port"
  .venv/bin/python -c "from urllib.parse import urlsplit as u; p=u('$1'); print(p.hostname or '127.0.0.1', p.port or $2)"
}

if [[ "$DATABASE_URL" == postgres* ]] && ! reachable $(hostport "$DATABASE_URL" 5432); then
  echo "!! PostgreSQL is unreachable at $DATABASE_URL."
  echo "!! Running on SQLite instead: every test marked 'postgres' (locks, concurrency) is SKIPPED."
  export DATABASE_URL="sqlite:///var/test.sqlite3"
fi
if ! reachable $(hostport "$REDIS_URL" 6379); then
  echo "!! Redis is unreachable at $REDIS_URL: every test marked 'redis' (real worker, cache) is SKIPPED."
  export REDIS_URL_UNREACHABLE="$REDIS_URL"
  export REDIS_URL=""
fi

# Static checks first, as `make lint` runs them: CI fails on any finding (CONTRIBUTING.md).
# SKIP_LINT=1 skips them while iterating on one test; CI never sets it.
if [ "${SKIP_LINT:-}" != "1" ]; then
  .venv/bin/ruff check --quiet . || exit 1
  .venv/bin/ruff format --check --quiet . || exit 1
  .venv/bin/mypy || exit 1
  .venv/bin/lint-imports --no-cache >/dev/null || { .venv/bin/lint-imports --no-cache; exit 1; }
fi

.venv/bin/pytest "$@"
status=$?
if [ $status -eq 5 ]; then echo "pytest collected no tests"; fi
exit $status
