"""/healthz and /readyz: no login, nothing about anyone, quick; /readyz names what is down.

The faults are real: the cache and the broker at a port where nothing listens (refused at once),
the database refusing connections (tests/test_faults.py has the PostgreSQL outage itself).
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.faults import CLOSED_REDIS_URL, redis_unreachable


def test_healthz_answers_without_touching_the_database():
    # Not a database test: any query would fail it ("Database access not allowed").
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_ok_to_an_anonymous_caller_and_says_nothing_else():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.django_db
def test_health_endpoints_only_answer_get(path):
    client = Client()
    assert client.post(path).status_code == 405
    assert client.delete(path).status_code == 405


@pytest.mark.django_db
def test_readyz_names_the_cache_when_redis_is_unreachable():
    with override_settings(CACHES={"default": {**settings.PRODUCTION_REDIS_CACHE, "LOCATION": CLOSED_REDIS_URL}}):
        started = time.monotonic()
        response = Client().get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "down": ["cache"]}
    assert elapsed < 3


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_unreachable():
    with override_settings(CELERY_BROKER_URL=CLOSED_REDIS_URL):
        started = time.monotonic()
        response = Client().get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "down": ["broker"]}
    assert elapsed < 3


@pytest.mark.django_db
def test_readyz_names_both_when_redis_is_down_and_healthz_still_answers():
    with redis_unreachable():
        ready = Client().get("/readyz")
        live = Client().get("/healthz")
    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable", "down": ["cache", "broker"]})
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
