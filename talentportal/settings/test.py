"""Tests: the same settings, made fast and deterministic.

On the embedded default the database is SQLite in memory. With DATABASE_URL set, pytest-django
creates a fresh ``test_<name>`` PostgreSQL database. Celery stays eager here so most tests run
the task code inline; tests marked ``celery_worker`` start a real worker on the Redis broker.
"""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASE_URL, DATABASES

if not DATABASE_URL:
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "apps.core.sms.MemorySmsBackend"
_tmp = Path(tempfile.mkdtemp(prefix="talentportal-test-"))
MEDIA_ROOT = _tmp / "media"
PRIVATE_MEDIA_ROOT = _tmp / "private"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests share one process's cache: a list's remembered count would leak from one test's rows into the
# next. apps/core/tests/test_pagination.py turns it on where it is the subject.
API_LIST_COUNT_CACHE_SECONDS = 0

# Each pytest-xdist process gets its own queue on the shared Redis, so a real worker started by one
# test process never takes (or purges) the tasks another one sent.
if os.environ.get("PYTEST_XDIST_WORKER"):
    CELERY_TASK_DEFAULT_QUEUE = f"default-{os.environ['PYTEST_XDIST_WORKER']}"
