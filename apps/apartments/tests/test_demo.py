"""The apartments demo: 100 units, a first batch of 53 drawn and let with offers in every state and
leases, a second batch open; the draw recomputes from its public record; idempotent."""

from __future__ import annotations

from io import StringIO

import pytest

from apps.accounts import demo as accounts_demo
from apps.apartments import demo, lottery, selectors
from apps.apartments.models import Batch, Lease, Offer, Unit
from apps.enterprises import demo as enterprises_demo
from apps.talents import demo as talents_demo
from apps.workflow.models import Application
from apps.workflow.states import OPEN

pytestmark = pytest.mark.django_db


def test_the_demo_batches_and_their_draw():
    for module in (accounts_demo, enterprises_demo, talents_demo):
        module.seed(stdout=StringIO())
    demo.seed(stdout=StringIO())
    counts = (Unit.objects.count(), Batch.objects.count(), Offer.objects.count(), Lease.objects.count())
    demo.seed(stdout=StringIO())
    assert (Unit.objects.count(), Batch.objects.count(), Offer.objects.count(), Lease.objects.count()) == counts

    assert Unit.objects.count() == 100
    first = Batch.objects.get(name=demo.FIRST)
    second = Batch.objects.get(name=demo.SECOND)
    assert (first.status, second.status) == (Batch.Status.DRAWN, Batch.Status.OPEN)
    assert len(first.manifest) == 53 and first.entries.count() == 53
    statuses = set(Offer.objects.filter(batch=first).values_list("status", flat=True))
    assert {"pending", "accepted", "declined", "expired"} <= statuses
    assert Lease.objects.filter(status="current").exists() and Lease.objects.filter(status="ended").exists()

    # Anyone recomputes the ranking and the allocation from the public draw.
    draw = selectors.draw_public(first)
    assert lottery.commitment(draw["seed_hex"]) == draw["commitment"]
    assert lottery.manifest_sha256(draw["manifest"]) == draw["manifest_sha256"]
    ranking = lottery.rank(draw["manifest"], draw["seed_hex"])
    assert ranking == draw["ranking"]
    allocation, _ = lottery.allocate(ranking, draw["preferences"], {u["id"]: u["layout"] for u in draw["units"]})
    assert allocation == draw["allocation"]

    # talent_demo: an accepted offer and a lease to see, nothing open.
    mine = Offer.objects.get(application__applicant__user__username="talent_demo")
    assert mine.status == "accepted" and Lease.objects.get(offer=mine).status == "current"
    assert not Application.objects.filter(applicant__user__username="talent_demo", status__in=OPEN).exists()
