# Two commands matter: `make run` and `make test` (README). The rest are helpers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := marketplace.settings

.PHONY: install run test bench lint lock worker clean fuzz load schema messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

# The tools client teams run on our schema (Redocly, openapi-typescript, tsc), pinned in
# clients/package-lock.json, installed with the machine's Node (20.19+) and npm.
clients/node_modules/.installed: clients/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd clients && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "!! npm not found: the schema lint and TypeScript client checks will be SKIPPED (install nodejs, npm)"; fi

install: $(VENV)/.installed clients/node_modules/.installed

# Serves the API, the admin and the background work (a Celery worker with the beat
# scheduler) on the embedded default: SQLite and a filesystem broker under var/, unless
# DATABASE_URL / REDIS_URL say otherwise. Demo data is seeded idempotently.
run: install
	@export DJANGO_ENV=$${DJANGO_ENV:-development} DEBUG=$${DEBUG:-true}; \
	$(BIN)/python manage.py migrate --no-input -v 0 && \
	$(BIN)/python manage.py seed_demo && \
	echo "API docs: http://127.0.0.1:$(PORT)/api/docs/   admin: http://127.0.0.1:$(PORT)/admin/" && \
	trap 'trap - EXIT INT TERM; kill 0' EXIT INT TERM; \
	$(BIN)/celery -A marketplace worker --beat --loglevel=INFO --concurrency=2 \
		--schedule=var/celerybeat-schedule & \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The static checks (ruff, mypy, import-linter), then the whole suite against PostgreSQL and Redis
# (DATABASE_URL / REDIS_URL, default: the local servers). Tests that need an unreachable
# service are skipped and listed with why.
test: install
	@bash scripts/test.sh $(ARGS)

# Schema fuzzing at length: many examples per operation and role, plus schemathesis'
# coverage phase (every boundary value the schema defines). `make test` runs a few.
fuzz: install
	@FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-60} FUZZ_FULL=1 bash scripts/test.sh tests/proof/test_fuzz_schema.py -q $(ARGS)

# A bounded load run on loopback (gunicorn + a Celery worker, PostgreSQL database
# leadmarket_load, Redis db 9): per-endpoint req/s, p50/p95/p99 and errors, then the
# database invariants. LOAD_SECONDS, LOAD_USERS, LOAD_WEB_WORKERS tune it (loadtest/run.sh).
# TOPOLOGY=N,M: N gunicorn processes and M Celery workers through PgBouncer, with a streaming
# replica for dashboards, one web process and one worker killed mid-run (loadtest/scale_run.py).
load: install
	@if [ -n "$(TOPOLOGY)" ]; then TOPOLOGY=$(TOPOLOGY) $(BIN)/python loadtest/scale_run.py; else bash loadtest/run.sh; fi

# Regenerate the committed OpenAPI schema after any API change, then review `git diff openapi.yaml`.
schema: install
	DJANGO_ENV=development $(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml

# Product paths beside same-work lower bounds (bench/README.md), against BENCH_DATABASE_URL: prints
# a table and writes var/bench/results.json. BENCH_SCALE=0.05 for a quick run, BENCH_ONLY=accept,clicks
# for a subset, BENCH_CALLGRIND=1 for instructions per request.
bench: install
	@bash scripts/bench.sh

# The same checks as pre-commit and CI (`make test` runs them first): ruff, ruff-format,
# mypy (django + DRF stubs), import-linter (layers, no DRF in domain code).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_ENV=$${DJANGO_ENV:-development} $(BIN)/mypy
	$(BIN)/lint-imports

# Message catalogs (README "Languages"): refresh locale/*/django.po from the code, then, once
# every new msgstr is translated, compile the .mo files that are committed with them.
# Needs Debian's gettext. `make test` fails while a catalog is stale or incomplete.
MESSAGES_IGNORE := $(foreach d,.venv .git var tests bench loadtest staticfiles node_modules scripts,--ignore=$(d)/*)
messages: install
	DJANGO_ENV=$${DJANGO_ENV:-development} $(BIN)/python manage.py makemessages -lfr_CA -lzh_Hant --no-location --no-obsolete $(MESSAGES_IGNORE)
	for po in locale/*/LC_MESSAGES/django.po; do msgfmt --check -o $${po%.po}.mo $$po; done

# Re-pin the whole dependency tree after changing pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]" && $(BIN)/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) var
