"""School places are never over-nominated under concurrent requests (PostgreSQL row locks).

20 threads, each on its own database connection, nominate 20 different children (of 20 parents) of
one enterprise at the same moment while it has 3 ``school_place`` slots left: exactly 3 nominations
are created, the 17 others are refused with Conflict (409) and leave nothing behind.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from apps.core.exceptions import Conflict, api_exception_handler
from apps.enterprises.models import Quota, QuotaMovement
from apps.schools.models import Nomination
from apps.workflow.models import Application

from . import factories as f

THREADS = 20
TOTAL = 10
LEFT = 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_nominations_for_the_last_three_slots():
    w = f.world(quota_total=TOTAL, parents=THREADS)
    Quota.objects.filter(enterprise=w.enterprise, kind=Quota.Kind.SCHOOL_PLACE).update(used=TOTAL - LEFT)
    start = threading.Barrier(THREADS)
    created: list[str] = []
    refusals: list[int] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            start.wait(timeout=30)
            nomination = f.nominate(w, w.parents[n], n + 1)
            with lock:
                created.append(nomination.number)
        except Conflict as exc:
            with lock:
                refusals.append(api_exception_handler(exc, {}).status_code)
        except BaseException as exc:  # noqa: BLE001 - anything else fails the test below
            with lock:
                unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert unexpected == []
    assert len(created) == LEFT
    assert refusals == [409] * (THREADS - LEFT)
    quota = Quota.objects.get(enterprise=w.enterprise, kind=Quota.Kind.SCHOOL_PLACE)
    assert (quota.used, quota.total) == (TOTAL, TOTAL)
    assert quota.used <= quota.total
    assert sorted(Nomination.objects.values_list("number", flat=True)) == sorted(created)
    assert Application.objects.filter(service__code="school_place").count() == LEFT
    assert sorted(QuotaMovement.objects.filter(quota=quota).values_list("reference", flat=True)) == sorted(created)
    assert connection.vendor == "postgresql"
