# Rotation Registry (Sổ luân chuyển cán bộ): two commands.
#   make run   the application at http://127.0.0.1:8000 (admin at /admin/)
#   make test  the test suite (extra pytest arguments: make test ARGS="-k scope -x")
# See docs/setup.md for what each step does.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

# Extra arguments for pytest (make test) or the dev server (make run).
ARGS ?=
PORT ?= 8000
RESEED ?=

.PHONY: help venv services system-packages lint test run stop-db reset-db check-compose messages

help:
	@echo "make run              start the app at http://127.0.0.1:$(PORT) (embedded PostgreSQL when DATABASE_URL is unset)"
	@echo "make test             run the tests (ARGS=\"-k name\" passes arguments to pytest)"
	@echo "make run RESEED=1     run the reference/demo data loaders again"
	@echo "make stop-db          stop a left-over embedded PostgreSQL (.pgdata/)"
	@echo "make reset-db         stop it and delete .pgdata/ (all local data)"
	@echo "make messages         refresh the English catalogue (locale/en) from the code, then compile it"

# .venv with Python >= 3.12; pip install only when the requirement files changed.
venv:
	@bash scripts/ensure-venv.sh

# PostgreSQL and Redis on 127.0.0.1 (skipped when DATABASE_URL / REDIS_URL point elsewhere).
services:
	@bash scripts/ensure-services.sh

# Debian packages the tests use (fonts-liberation2, poppler-utils, chromium), installed only if missing.
system-packages:
	@bash scripts/ensure-system-packages.sh

# Style and common mistakes (ruff, configured in pyproject.toml): seconds, so part of every test run.
lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: venv services system-packages lint
	$(PY) -m pytest $(ARGS)

run: venv
	@bash scripts/ensure-system-packages.sh || echo "(continuing without them: PDF output may use another font)"
	@exec $(PY) -m rotation_registry.devserver --port $(PORT) $(if $(RESEED),--reseed) $(ARGS)

stop-db: venv
	@$(PY) -m rotation_registry.devserver --stop

reset-db: stop-db
	rm -rf .pgdata

# English (Vietnamese is the source language): new strings land in locale/en/LC_MESSAGES/django.po with an
# empty msgstr; translate them, then run this again to compile django.mo (committed, so nothing else needs gettext).
messages: venv
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=bench --ignore=tests --ignore=node_modules
	$(PY) manage.py compilemessages -l en --ignore=.venv

# docker-compose.yml cannot run here (no Docker engine): check its syntax and shape.
# Any Python with PyYAML will do (the machine's python3 has it; the venv need not).
check-compose:
	@python3 scripts/check-compose.py

# The speed budgets of issues 3–6 in ONE table (docs/performance.md; not part of `make test`): one row per operation
# with its data size, p50/p95, queries, the floor measured in the same run (trivial page, bare SQL, bare WeasyPrint,
# bare openpyxl), the ratio to it, the budget and the verdict. Results also go to bench/results/latest-<size>.json.
#   make bench              10^5 cadres, 10^6 postings in database rr_bench (generated once: about 3 min)
#   make bench SIZE=small   5,000 cadres, 50,000 postings in rr_bench_small, fewer iterations (CI, after make test)
# BENCH_ARGS passes options to bench.run, e.g. BENCH_ARGS="--only list,search,cadre --iterations 50",
# BENCH_ARGS="--regenerate" (drop and rebuild the dataset) or BENCH_ARGS="--database rr_mine" (a private copy).
# The dataset alone: python manage.py generate_dataset --size small|full [--seed S] [--force].
# Exits 1 when a budget is missed or an operation could not be measured.
SIZE ?= full
BENCH_ARGS ?=
.PHONY: bench
bench: venv services system-packages
	$(PY) -m bench.run --size $(SIZE) $(BENCH_ARGS)

# Load test of issue 7 (docs/performance.md, "Load test"): gunicorn with the production settings, wrk on loopback; SIZE as for bench, LOAD_ARGS="--workers 4 --duration 30" passes options; exits 1 when a budget is missed.
.PHONY: load
load: venv services
	@bash scripts/ensure-bench-packages.sh
	$(PY) -m bench.load --size $(SIZE) $(LOAD_ARGS)
