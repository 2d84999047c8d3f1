"""Fixtures every app's tests share."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.test import override_settings
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.accounts.services import user_create

PASSWORD = "Test#Pass2026"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def cache_backend(request):
    """Runs a test once on each cache: the tests' LocMemCache, then Redis as production has it.

    For lockout and rate-limit tests (``@pytest.mark.usefixtures("cache_backend")``), whose state
    lives in the cache. The ``redis`` run is marked ``redis``: skipped without REDIS_URL on a
    developer's machine, a failure under CI=true (conftest.py). Each Redis run has its own key
    prefix and deletes only its own keys afterwards (``cache.clear()`` on Redis would FLUSHDB the
    database the Celery broker shares)."""
    if request.param == "locmem":
        assert type(caches["default"]).__name__ == "LocMemCache"
        yield request.param
        return
    import redis
    from django_redis.cache import RedisCache

    prefix = f"talentportal-test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with override_settings(
            CACHES={
                "default": {
                    **settings.PRODUCTION_REDIS_CACHE,
                    "LOCATION": settings.REDIS_URL,
                    "KEY_PREFIX": prefix,
                }
            }
        ):
            assert isinstance(caches["default"], RedisCache)
            assert cache.get("anything") is None  # reachable, and nothing left under this prefix
            yield request.param
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def sms_outbox():
    """The SMS sent during the test (``MemorySmsBackend.outbox``, shared by the class: emptied around it)."""
    from apps.core.sms import MemorySmsBackend

    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def make_user(db):
    """``make_user(roles.REVIEWER)`` → a saved account with that role and ``PASSWORD``."""

    def _make(*role_names: str, username: str | None = None, **kwargs):
        n = next(_seq)
        return user_create(
            username=username or f"user{n}",
            password=PASSWORD,
            email=kwargs.pop("email", f"user{n}@example.cn"),
            role_names=role_names or (roles.TALENT,),
            **kwargs,
        )

    return _make


@pytest.fixture
def client_for():
    """``client_for(user)`` → an APIClient authenticated as that user (token auth, as outside clients)."""

    def _client(user) -> APIClient:
        from apps.accounts.services import token_issue

        client = APIClient()
        _, token = token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return _client


def _replay_data_migrations() -> None:
    """Re-run every RunPython of the project's migrations (all idempotent: get_or_create/update_or_create).

    A transactional test ends with a flush that empties every table, including the rows the data
    migrations wrote (roles, categories, the service catalog). Django re-creates content types and
    permissions on flush but not those rows, so without this a later test would see no roles.
    """
    from django.apps import apps as django_apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    loader = MigrationLoader(None, ignore_no_migrations=True)
    plan = []
    for leaf in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(leaf):
            if node not in plan:
                plan.append(node)
    for node in plan:
        migration = loader.graph.nodes[node]
        if not migration.__module__.startswith("apps."):
            continue
        for operation in migration.operations:
            if isinstance(operation, RunPython):
                operation.code(django_apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request, _django_db_marker):
    """Make sure the migration-seeded reference data is there for every database test."""
    if request.node.get_closest_marker("django_db") is None:
        # The database comes through a fixture (e.g. make_user -> db): set it up first.
        for name in ("django_db_reset_sequences", "transactional_db", "db"):
            if name in request.fixturenames:
                request.getfixturevalue(name)
                break
        else:
            return
    from django.contrib.auth.models import Group

    from apps.accounts import roles

    if not Group.objects.filter(name=roles.DISTRICT_ADMIN).exists():
        _replay_data_migrations()
