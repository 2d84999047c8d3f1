"""Liveness and readiness for the load balancer, docker compose and the orchestrator.

``/healthz``: the process answers (no database, no cache: a restart would not help a database
outage). ``/readyz``: the database, the cache and the Celery broker answer, each within a couple of
seconds; 503 names what is down, e.g. ``{"status": "unavailable", "down": ["database"]}``. Neither
needs a login or says anything about anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def database_ready() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def cache_ready() -> None:
    # A write and a read: a read-only replica or a full Redis answers a GET but not a SET.
    cache.set("readyz", "1", timeout=10)
    if cache.get("readyz") != "1":
        raise RuntimeError("the cache did not keep a value")


def broker_ready() -> None:
    from talentportal.celery import app

    # One attempt with a short timeout (kombu would otherwise retry with backoff): never hangs.
    with app.connection_for_read(connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)


CHECKS: dict[str, Callable[[], None]] = {"database": database_ready, "cache": cache_ready, "broker": broker_ready}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    down = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - whatever the failure, that dependency is down
            logger.warning("readiness: %s is down: %s: %s", name, type(exc).__name__, exc)
            down.append(name)
    if down:
        return JsonResponse({"status": "unavailable", "down": down}, status=503)
    return JsonResponse({"status": "ok"})
