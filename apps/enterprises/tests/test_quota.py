"""The quota service: the one way to spend or release a slot."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from apps.core.exceptions import Conflict, api_exception_handler
from apps.enterprises import services
from apps.enterprises.models import Quota, QuotaMovement
from apps.enterprises.tests.factories import QuotaFactory

pytestmark = pytest.mark.django_db


def consume(quota: Quota, **kwargs) -> Quota:
    return services.quota_consume(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year, **kwargs)


def test_consume_spends_one_slot_and_records_it(make_user):
    quota = QuotaFactory(total=3, used=1)
    actor = make_user()

    result = consume(quota, actor=actor, reference="HZ-RH-2026-0001", note="approved")

    assert (result.used, result.remaining) == (2, 1)
    movement = QuotaMovement.objects.get()
    assert (movement.delta, movement.reference, movement.actor_id) == (1, "HZ-RH-2026-0001", actor.pk)


def test_the_last_slot_goes_once_then_409_and_nothing_changes():
    quota = QuotaFactory(total=1, used=0)
    consume(quota)

    with pytest.raises(Conflict) as refused:
        consume(quota)

    response = api_exception_handler(refused.value, {})
    assert response.status_code == 409
    assert "已用完（1/1）" in response.data["detail"]
    quota.refresh_from_db()
    assert quota.used == 1
    assert QuotaMovement.objects.count() == 1


def test_a_quota_that_was_never_allocated_is_a_conflict():
    quota = QuotaFactory()

    with pytest.raises(Conflict):
        services.quota_consume(enterprise_id=quota.enterprise_id, kind=Quota.Kind.SCHOOL_PLACE, year=quota.year)

    assert QuotaMovement.objects.count() == 0


def test_release_gives_a_slot_back_but_not_below_zero():
    quota = QuotaFactory(total=2, used=1)

    released = services.quota_release(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year)
    with pytest.raises(Conflict):
        services.quota_release(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year)

    assert released.used == 0
    assert list(QuotaMovement.objects.values_list("delta", flat=True)) == [-1]


def test_the_database_refuses_used_above_total():
    quota = QuotaFactory(total=2, used=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.filter(pk=quota.pk).update(used=F("used") + 1)

    quota.refresh_from_db()
    assert quota.used == 2
