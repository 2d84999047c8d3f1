"""Units are never offered or let to two people under concurrent requests (PostgreSQL row locks and
the partial unique constraints); two admins drawing at once draw once.

Each thread has its own database connection, as two web or worker processes would.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Count

from apps.apartments import services
from apps.apartments.models import Batch, Lease, Offer, Unit
from apps.core.exceptions import Conflict, api_exception_handler

from . import factories as af

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[int], list[BaseException]]:
    start = threading.Barrier(len(calls))
    done: list[Any] = []
    refusals: list[int] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def worker(call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=30)
            result = call()
            with lock:
                done.append(result)
        except Conflict as exc:
            with lock:
                refusals.append(api_exception_handler(exc, {}).status_code)
        except BaseException as exc:  # noqa: BLE001 - anything else fails the test
            with lock:
                unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return done, refusals, unexpected


def test_two_admins_drawing_at_once_draw_once():
    admin, other_admin = af.admin(), af.admin()
    batch = af.batch(af.units(["1b", "2b", "2b"]), by=admin)
    af.pool(batch, [["2b", "1b"]] * 6)
    services.batch_freeze(batch_id=batch.pk, actor=admin)

    done, refusals, unexpected = _race(
        [lambda: services.batch_draw(batch_id=batch.pk, actor=a) for a in (admin, other_admin)]
    )

    assert unexpected == []
    assert (len(done), refusals) == (1, [409])
    batch.refresh_from_db()
    assert (batch.status, batch.draw_round) == (Batch.Status.DRAWN, 1)
    assert Offer.objects.filter(batch=batch).count() == 3
    assert connection.vendor == "postgresql"


def test_twenty_parallel_accepts_declines_and_expiries_never_put_two_people_in_one_unit():
    admin = af.admin()
    batch = af.batch(af.units(["2b", "2b", "2b"]), by=admin)
    people = af.pool(batch, [["2b"]] * 12)
    services.batch_freeze(batch_id=batch.pk, actor=admin)
    services.batch_draw(batch_id=batch.pk, actor=admin)
    account_of = {app.pk: account for account, app in people}
    offers = list(Offer.objects.filter(batch=batch, status=Offer.Status.PENDING).select_related("application"))
    assert len(offers) == 3
    late = max(o.respond_by for o in offers) + dt.timedelta(days=1)

    # 20 calls over the 3 offers: for each offer its talent accepts and declines (from two tabs) and
    # the expiry task runs, several times over, all at once.
    rng = random.Random(12)
    calls: list[Callable[[], Any]] = []
    for n in range(20):
        offer = offers[n % 3]
        who = account_of[offer.application_id]
        kind = rng.choice(["accept", "decline", "expire"])
        if kind == "accept":
            calls.append(lambda o=offer, u=who: services.offer_accept(offer_id=o.pk, user=u))
        elif kind == "decline":
            calls.append(lambda o=offer, u=who: services.offer_decline(offer_id=o.pk, user=u))
        else:
            calls.append(lambda o=offer: services.offer_expire(offer_id=o.pk, today=late))

    done, refusals, unexpected = _race(calls)

    assert unexpected == []
    assert set(refusals) <= {409}
    # Each original offer was answered exactly once.
    for offer in offers:
        offer.refresh_from_db()
        assert offer.status in (Offer.Status.ACCEPTED, Offer.Status.DECLINED, Offer.Status.EXPIRED)
    # Never two live offers or two current leases on a unit; never two offers for one application.
    live = Offer.objects.filter(status__in=["pending", "accepted"], released=False)
    assert not live.values("unit").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not live.values("application").annotate(n=Count("pk")).filter(n__gt=1).exists()
    current = Lease.objects.filter(status=Lease.Status.CURRENT)
    assert not current.values("unit").annotate(n=Count("pk")).filter(n__gt=1).exists()
    # Every unit is held by exactly one thing: a lease (occupied) or a pending offer (offered).
    for unit in Unit.objects.all():
        leases = current.filter(unit=unit).count()
        pending = Offer.objects.filter(unit=unit, status=Offer.Status.PENDING).count()
        assert (leases, pending) in ((1, 0), (0, 1)), (unit.pk, leases, pending)
        assert unit.status == (Unit.Status.OCCUPIED if leases else Unit.Status.OFFERED)
    # Accepted offers and leases match one to one.
    assert Offer.objects.filter(status=Offer.Status.ACCEPTED).count() == current.count()
    # Each declined or expired unit went to a different waiting applicant.
    assert (
        Offer.objects.filter(batch=batch).values("application").distinct().count()
        == Offer.objects.filter(batch=batch).count()
    )
