# Lianjian Desk. Two commands matter: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PG_URL ?= postgresql://127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
PORT ?= 5000
CRASH_KILLS ?= 20
SOAK_SECONDS ?= 60
PG_ANSWERS := $(PY) -c "import psycopg2, sys; psycopg2.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null

.PHONY: run test test-sqlite test-postgres lint format i18n translations browser serve clean bench \
	crash soak

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt $(VENV)/.run-deps
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.run-deps
	@for dir in translations/*/; do \
	  $(PY) -m babel.messages.frontend compile -d "$$dir" -D messages --statistics || exit 1; \
	done

instance/secret_key:
	mkdir -p instance
	$(PY) -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

## make run: set up, migrate, seed demo data on first run, serve on http://$(HOST):$(PORT)
run: $(VENV)/.run-deps translations instance/secret_key
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) db upgrade
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) seed-demo --first-run
	@echo
	@echo "  Lianjian Desk is at http://$(HOST):$(PORT)  (Ctrl-C stops it)"
	@echo
	SECRET_KEY=$$(cat instance/secret_key) $(VENV)/bin/gunicorn --config views/serving.py \
	  --workers 2 --bind $(HOST):$(PORT) --access-logfile - \
	  --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss' "app:create_app()"

## make test: set up, lint, and run the whole suite on SQLite and (when it answers) PostgreSQL.
## The two databases' runs go side by side (much of a run waits on servers, browsers and
## the database, so two share the cores well); each writes test-output/test-<db>.log, shown
## whole when it ends. Every step runs even when another failed; the target fails at the
## end, naming what failed.
test: $(VENV)/.dev-deps translations browser
	@mkdir -p test-output; failed=""; \
	$(MAKE) --no-print-directory lint || failed="$$failed lint"; \
	$(MAKE) --no-print-directory test-sqlite > test-output/test-sqlite.log 2>&1 & sqlite=$$!; \
	$(MAKE) --no-print-directory test-postgres > test-output/test-postgres.log 2>&1 & postgres=$$!; \
	wait $$sqlite || failed="$$failed SQLite"; cat test-output/test-sqlite.log; \
	wait $$postgres || failed="$$failed PostgreSQL"; cat test-output/test-postgres.log; \
	if [ -n "$$failed" ]; then echo "!! make test FAILED:$$failed"; exit 1; fi; \
	echo "== make test passed =="

test-sqlite: $(VENV)/.dev-deps translations
	@echo "== test suite on SQLite =="
	$(PY) -m pytest -n 2 --dist worksteal -q

test-postgres: $(VENV)/.dev-deps translations
	@if $(PG_ANSWERS); then \
	  echo "== test suite on PostgreSQL ($(PG_URL)) =="; \
	  TEST_DATABASE=postgresql TEST_PG_ADMIN_URL=$(PG_URL) $(PY) -m pytest -n 2 --dist worksteal -q; \
	else \
	  echo "!! PostgreSQL did not answer at $(PG_URL): SKIPPED the PostgreSQL run"; \
	  if [ -n "$$CI" ]; then echo "!! CI must run both databases"; exit 1; fi; \
	fi

## make crash: SIGKILL the app under load $(CRASH_KILLS) times (SQLite, then PostgreSQL)
crash: $(VENV)/.dev-deps translations
	$(PY) -m tests.faults.crash --kills $(CRASH_KILLS) --backend sqlite
	@if $(PG_ANSWERS); then \
	  TEST_PG_ADMIN_URL=$(PG_URL) $(PY) -m tests.faults.crash --kills $(CRASH_KILLS) --backend postgresql; \
	else \
	  echo "!! PostgreSQL did not answer at $(PG_URL): SKIPPED the PostgreSQL crash test"; \
	  if [ -n "$$CI" ]; then echo "!! CI must run both databases"; exit 1; fi; \
	fi

## make soak: $(SOAK_SECONDS) s of mixed load from 20 clients (SQLite, then PostgreSQL)
soak: $(VENV)/.dev-deps translations
	$(PY) -m tests.faults.soak --seconds $(SOAK_SECONDS) --backend sqlite
	@if $(PG_ANSWERS); then \
	  TEST_PG_ADMIN_URL=$(PG_URL) $(PY) -m tests.faults.soak --seconds $(SOAK_SECONDS) --backend postgresql; \
	else \
	  echo "!! PostgreSQL did not answer at $(PG_URL): SKIPPED the PostgreSQL soak"; \
	  if [ -n "$$CI" ]; then echo "!! CI must run both databases"; exit 1; fi; \
	fi

## Debian's Chromium and CJK fonts for the browser tests (installed when missing and root)
browser:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "!! install chromium and fonts-noto-cjk (as root) for the browser tests"; fi

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make i18n: extract messages and update every module's catalogs
i18n: $(VENV)/.dev-deps
	$(PY) translations/update.py

clean:
	rm -rf $(VENV) test-output .pytest_cache

## make bench: district-scale data, then the product against the bare stack with wrk
## (not part of make test; results in bench/results/<date>.md)
bench: $(VENV)/.dev-deps translations
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "!! install wrk (apt-get install wrk)"; exit 1; }
	$(PY) -m bench.run

