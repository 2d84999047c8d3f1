# Two commands for a newcomer: `make run` and `make test`. Needs only python3 (3.11) and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint typecheck check-deploy bench worker beat clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Portal:  http://$(HOST)/"
	@echo "  Staff:   http://$(HOST)/admin/   (admin_demo / $${DEMO_PASSWORD:-Pazhou#2026rc})"
	@echo "  Talents: http://$(HOST)/accounts/login/   (talent_demo, hr_demo, ...: same password)"
	@echo "  API:     http://$(HOST)/api/v1/docs/"
	@echo ""
	$(PY) manage.py runserver $(HOST)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

worker: install
	$(VENV)/bin/celery -A talentportal worker -l info

beat: install
	$(VENV)/bin/celery -A talentportal beat -l info

bench: install
	for f in bench/*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) var
