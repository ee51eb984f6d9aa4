# Letterbridge. `make run` for a local server, `make test` for the whole suite. `make help` lists all.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/letterbridge
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install system-packages run test lint format migrations-check lock bench bench-peer backup restore clean messages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install the locked dependencies

system-packages: ## Install the Debian packages tests and bench use (Chromium, wrk); only what is missing
	scripts/system-packages.sh

lock: ## Re-resolve requirements.lock from pyproject.toml
	test -x $(BIN)/uv || $(MAKE) install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements.lock

run: install ## Migrate, load demo data once, serve on 127.0.0.1:PORT (default 8000) with a worker and beat
	DJANGO_SETTINGS_MODULE=config.settings.local PORT=$(PORT) scripts/run.sh

lint: install ## ruff (lint and format check), the apps' import rules (import-linter), type checks (mypy)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install ## Fail when models and migrations disagree
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$(TEST_DATABASE_URL) \
		$(BIN)/python manage.py makemigrations --check --dry-run

test: install system-packages lint migrations-check ## Lint, check migrations, run every test on PostgreSQL and Redis
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest $(PYTEST_ARGS)

bench: install system-packages ## Load-test at 1k/100k/1M letters, PDFs, e-mail ingestion, then the campaign burst (SIZES=1000 CAMPAIGN_DURATION=25 for a quick run)
	DJANGO_SETTINGS_MODULE=benchmarks.settings $(BIN)/python manage.py collectstatic --noinput -v0
	sizes=$${SIZES:-1000,100000,1000000}; \
	$(BIN)/python -m benchmarks.run --sizes $$sizes --duration $${DURATION:-8} && \
	$(BIN)/python -m benchmarks.pdf_batch --letters $${PDF_LETTERS:-500} && \
	$(BIN)/python -m benchmarks.inbox_ingest --messages $${INBOX_MESSAGES:-1000} && \
	$(BIN)/python -m benchmarks.campaign --size $${sizes##*,} --duration $${CAMPAIGN_DURATION:-60}

bench-peer: install system-packages ## Side by side with django-helpdesk 2.6.1 (own venv under var/peer, from PyPI) at SIZE=100000 tickets and letters
	DJANGO_SETTINGS_MODULE=benchmarks.settings $(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python -m benchmarks.peer --size $${SIZE:-100000} --duration $${DURATION:-8}

backup: ## pg_dump DATABASE_URL to var/backups/ (owner-only file); prints its path
	scripts/backup.sh

restore: ## Restore FILE=var/backups/x.dump into DATABASE_URL (asks first; FORCE=1 to skip)
	scripts/restore.sh "$(FILE)"

messages: install ## Refresh locale/ru from the code and compile it (needs gettext; the .mo is committed)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemessages -l ru --ignore=.venv --ignore=var --ignore=tests --ignore=benchmarks
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py compilemessages -l ru --ignore=.venv

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
