"""Project-wide test set-up.

Tests that need PostgreSQL, a real Celery worker or the Redis cache are marked ``postgres`` /
``celery_worker`` / ``redis``.
Without those services they are skipped on a developer's machine; under ``CI=true`` a missing
service fails the run instead, loudly, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

pytest_plugins = ["tests.fixtures"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _redis() -> bool:
    return bool(settings.REDIS_URL)


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_CI and not (_postgres() and _redis()):
        pytest.exit(
            "CI=true but PostgreSQL (DATABASE_URL) or Redis (REDIS_URL) is not configured: refusing to skip "
            "the tests that need them",
            returncode=3,
        )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, available, what in (
        ("postgres", _postgres, "PostgreSQL (set DATABASE_URL)"),
        ("celery_worker", _redis, "Redis for a real Celery worker (set REDIS_URL)"),
        ("redis", _redis, "Redis (set REDIS_URL)"),
    ):
        if item.get_closest_marker(marker) and not available():
            if IN_CI:
                pytest.fail(f"{item.nodeid} needs {what}, which is missing under CI=true")
            pytest.skip(f"needs {what}")


@pytest.fixture(autouse=True)
def _celery_join_flag_reset():
    """Celery's eager ``apply`` sets a process-wide "inside a task" flag around each task
    (``celery.result.denied_join_result``) and restores what it read before. That is not thread-safe:
    the race tests run eager tasks (pre-checks) in 20 threads at once, and two overlapping restores
    can leave the flag set, after which every ``result.get()`` in this test process raises "Never
    call result.get() within a task!". Reset it after each test, as a fresh process would have it."""
    yield
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
