# LQ CRM: `make run` starts the system with demo data, `make test` runs the
# tests against MariaDB and Redis. Both set up what they need and can be run
# again; a second run reuses what exists.

SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
SITE ?= default
PORT ?= 8000
TEST_DATABASE_URL ?= mysql://root@127.0.0.1:3306/lq_crm
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: run setup site test lint types pytest bench services messages lock clean

run: site
	LQ_SITE=$(SITE) $(PYTHON) manage.py migrate --no-input -v 0
	LQ_SITE=$(SITE) $(PYTHON) manage.py sync_fixtures
	LQ_SITE=$(SITE) $(PYTHON) manage.py load_demo
	LQ_SITE=$(SITE) $(PYTHON) manage.py collectstatic --no-input -v 0
	LQ_SITE=$(SITE) $(PYTHON) manage.py ensure_admin
	@echo "LQ CRM desk: http://127.0.0.1:$(PORT)/desk/   API docs: http://127.0.0.1:$(PORT)/api/docs/"
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH LQ_SITE=$(SITE) PORT=$(PORT) honcho start $(if $(REDIS_URL),,web)

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt scripts/system-packages
	scripts/system-packages base
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --constraint constraints.txt --editable '.[dev]'
	touch $(INSTALLED)

site: $(INSTALLED)
	$(PYTHON) -m lq_crm.config $(SITE)

services:
	scripts/system-packages test
	scripts/ensure-services

test: $(INSTALLED) services lint types pytest

lint: $(INSTALLED)
	$(VENV)/bin/ruff check apps tests bench
	$(VENV)/bin/ruff format --check apps tests bench

types: $(INSTALLED)
	$(PYTHON) -m lq_crm.config test
	LQ_SITE=test $(VENV)/bin/mypy

pytest: $(INSTALLED)
	$(PYTHON) -m lq_crm.config test
	LQ_SITE=test DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(INSTALLED) services
	$(PYTHON) -m lq_crm.config bench
	mysql --host=127.0.0.1 --user=root -e "CREATE DATABASE IF NOT EXISTS lq_crm_bench \
		CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
	LQ_SITE=bench DEBUG=false DATABASE_URL=mysql://root@127.0.0.1:3306/lq_crm_bench \
		REDIS_URL=redis://127.0.0.1:6379/2 $(PYTHON) bench/run.py

messages: $(INSTALLED)
	$(PYTHON) -m lq_crm.config test
	cd apps/lq_crm/lq_crm && export LQ_SITE=test && \
		../../../$(PYTHON) ../../../manage.py makemessages -l zh_Hans --no-obsolete && \
		../../../$(PYTHON) ../../../manage.py compilemessages

lock: $(INSTALLED)
	$(VENV)/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) sites/test sites/bench
