# CareCert: two commands do all the set-up (see README.md).
#   make run   venv + install + system packages + .env + migrate + demo data + serve :8000
#   make test  the same bootstrap, then the whole suite (lint, checks, pytest)
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
MANAGE := $(PYTHON) manage.py
STAMP := $(VENV)/.installed
# Debian packages for Chinese PDFs (WeasyPrint + Noto CJK) and browser tests (chromium).
DEB_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	chromium poppler-utils zbar-tools gettext wrk

.PHONY: run serve test lint format bench check-deploy system-packages env migrate demo \
	backup restore audit-deps worker messages makemessages clean

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

migrate: $(STAMP) .env
	@mkdir -p var
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

run: system-packages demo messages
	@echo ""
	@echo "CareCert: http://127.0.0.1:8000   (demo accounts: see README.md, password CareCert-Demo-2026)"
	@if [ -n "$$CELERY_BROKER_URL" ]; then \
		$(BIN)/celery -A cms worker -B --loglevel=INFO & \
	fi; \
	$(MANAGE) runserver 127.0.0.1:8000

worker: $(STAMP) .env
	$(BIN)/celery -A cms worker -B --loglevel=INFO

# The whole suite: lint, Django checks, migrations up to date, then pytest.
# pytest exit code 5 (no tests collected) is a failure here, never a silent pass.
test: system-packages $(STAMP) messages
	$(BIN)/ruff check .
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
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: system-packages $(STAMP)
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PYTHON) -m bench

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=cms.settings.production DJANGO_SECRET_KEY=$$(openssl rand -hex 40) \
	PII_KEYS=k1:$$(openssl rand -base64 32) PII_INDEX_KEY=$$(openssl rand -hex 32) \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/0 CACHE_URL=redis://127.0.0.1:6379/1 \
	DJANGO_ALLOWED_HOSTS=carecert.example.cn \
	$(MANAGE) check --deploy --fail-level WARNING

# Backups (issue 3): pg_dump -Fc / SQLite copy into var/backups/; restore then verify_audit.
backup: $(STAMP)
	scripts/backup.sh

restore: $(STAMP)
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
	rm -rf var/test-media var/test-private
