# Two commands for a newcomer: `make run` and `make test`. Needs only python3 (3.11) and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint typecheck check-deploy bench worker beat messages clean

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
	@echo "  Log in at http://$(HOST)/accounts/login/ (password $${DEMO_PASSWORD:-Pazhou#2026rc} for every demo account):"
	@echo "    talent   talent_demo            -> http://$(HOST)/my/"
	@echo "    HR       hr_demo, hr_demo2      -> http://$(HOST)/hr/"
	@echo "    staff    admin_demo, clerk_demo, reviewer_demo, approver_demo -> http://$(HOST)/admin/"
	@echo "  API:     http://$(HOST)/api/v1/docs/"
	@echo "  Another address: make run HOST=0.0.0.0:8000"
	@echo ""
	PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://$(HOST)} $(PY) manage.py runserver $(HOST)

# In parallel (pytest-xdist): one process per core, each with its own test database and, for the
# browser tests, its own Chromium. PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= auto

test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

worker: install
	$(VENV)/bin/celery -A talentportal worker -l info

beat: install
	$(VENV)/bin/celery -A talentportal beat -l info

# On PostgreSQL (DATABASE_URL's server; BENCH_DATABASE_URL names the scale database, see bench/README.md):
# a million applications generated once (resumable), the admin changelist timed on them, the API under
# gunicorn + wrk against bare views (needs wrk; figures merged into bench/results.json), 10,000
# notifications through one Celery worker on Redis (none lost or doubled; merged there too), the import.
bench: install
	$(PY) bench/generate.py
	$(PY) bench/changelist.py
	$(PY) bench/api_lists.py
	$(PY) bench/school_matching.py --json bench/results.json
	$(PY) bench/notifications.py --json bench/results.json
	$(PY) bench/load.py --json bench/results.json
	$(PY) bench/import_talents.py
	$(PY) bench/apartment_draw.py --json bench/results.json

# The English catalogue: collect the msgids (Chinese) into locale/en/LC_MESSAGES/django.po, then compile
# django.mo, which is committed so `make run` needs no gettext. Needs gettext (apt-get install gettext).
I18N_FLAGS := --ignore=.venv --ignore=var --ignore=node_modules

messages: install
	$(PY) manage.py makemessages -l en $(I18N_FLAGS) -e html,txt,py
	$(PY) manage.py compilemessages -l en $(I18N_FLAGS)

clean:
	rm -rf $(VENV) var
