"""Reads: one application's rating, and the per-service summary staff look at."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.engagement import selectors, services
from apps.engagement.selectors import ServiceRatingSummary
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return f.staff_users()


def rated(score: int, *, code: str, staff, owner=None, comment: str = ""):
    owner = owner or f.talent_user()
    application = f.application_in(Status.COMPLETED, applicant=owner, staff=staff, code=code)
    return services.rating_submit(application_id=application.pk, user=owner, score=score, comment=comment)


def test_rating_for_is_none_until_rated(staff):
    f.service()
    owner = f.talent_user()
    application = f.application_in(Status.COMPLETED, applicant=owner, staff=staff)
    assert selectors.rating_for(application) is None

    rating = services.rating_submit(application_id=application.pk, user=owner, score=4)

    assert selectors.rating_for(application) == rating


def test_rating_summary_counts_and_averages_per_service(staff, django_assert_num_queries):
    f.service("wf_test")
    other = f.service("wf_other")
    other.name, other.sort_order = "另一事项", 1
    other.save()
    f.service("wf_unrated")
    owner = f.talent_user()
    for score in (5, 4, 4):
        rated(score, code="wf_test", staff=staff, owner=owner)  # one talent, three completed applications
    for score in (1, 2):
        rated(score, code="wf_other", staff=staff)

    with django_assert_num_queries(1):
        summary = selectors.rating_summary()

    # Catalog order (sort_order, then code); a service nobody rated is left out.
    assert summary == [
        ServiceRatingSummary(
            service_code="wf_other",
            service_name="另一事项",
            count=2,
            average=Decimal("1.50"),
            by_score={5: 0, 4: 0, 3: 0, 2: 1, 1: 1},
        ),
        ServiceRatingSummary(
            service_code="wf_test",
            service_name="流程测试事项",
            count=3,
            average=Decimal("4.33"),
            by_score={5: 1, 4: 2, 3: 0, 2: 0, 1: 0},
        ),
    ]
    assert list(summary[1].by_score) == [5, 4, 3, 2, 1]


def test_rating_summary_is_empty_without_ratings(staff):
    assert selectors.rating_summary() == []
