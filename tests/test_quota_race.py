"""Quota slots are never over-allocated under concurrent requests (PostgreSQL row locks).

50 threads, each on its own database connection, call ``quota_consume`` at the same moment for a
quota with only 3 slots left: exactly 3 succeed, the 47 others are refused cleanly with Conflict,
which the API's one exception handler answers as 409.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from apps.core.exceptions import Conflict, api_exception_handler
from apps.enterprises.models import Quota, QuotaMovement
from apps.enterprises.services import quota_consume
from apps.enterprises.tests.factories import QuotaFactory

THREADS = 50
TOTAL = 20
LEFT = 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_consumes_for_the_last_three_slots():
    quota = QuotaFactory(total=TOTAL, used=TOTAL - LEFT)
    start = threading.Barrier(THREADS)
    successes: list[int] = []
    refusals: list[int] = []  # HTTP status the API would answer
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            start.wait(timeout=30)
            quota_consume(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year, reference=f"race-{n}")
            with lock:
                successes.append(n)
        except Conflict as exc:
            with lock:
                refusals.append(api_exception_handler(exc, {}).status_code)
        except BaseException as exc:  # noqa: BLE001 - anything else fails the test below
            with lock:
                unexpected.append(exc)
        finally:
            # Each thread had its own connection: close it, or the test database cannot be dropped.
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert unexpected == []
    assert len(successes) == LEFT
    assert refusals == [409] * (THREADS - LEFT)
    quota.refresh_from_db()
    assert (quota.used, quota.total, quota.remaining) == (TOTAL, TOTAL, 0)
    movements = QuotaMovement.objects.filter(quota=quota)
    assert movements.count() == LEFT
    assert sorted(movements.values_list("reference", flat=True)) == sorted(f"race-{n}" for n in successes)
    assert Quota.objects.filter(used__gt=TOTAL).count() == 0
    assert connection.vendor == "postgresql"
