"""``rating_submit`` as the web form will call it: the same rules as the API, without HTTP."""

from __future__ import annotations

from unittest import mock

import pytest

from apps.accounts import roles
from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed
from apps.engagement import services
from apps.engagement.models import ServiceRating
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


@pytest.fixture
def owner(staff):
    return f.talent_user()


@pytest.fixture
def completed(staff, owner):
    return f.application_in(Status.COMPLETED, applicant=owner, staff=staff)


def test_rating_submit_stores_and_returns_the_rating(owner, completed):
    rating = services.rating_submit(application_id=completed.pk, user=owner, score="5", comment=" 很好 ")

    assert rating.pk is not None
    assert ServiceRating.objects.filter(pk=rating.pk).values(
        "application_id", "score", "comment", "rated_by_id"
    ).get() == {
        "application_id": completed.pk,
        "score": 5,
        "comment": "很好",
        "rated_by_id": owner.pk,
    }
    assert rating.get_score_display() == "非常满意"
    assert completed.rating == rating  # the reverse one-to-one


@pytest.mark.parametrize("comment", [None, ""])
def test_no_comment_is_an_empty_comment(owner, completed, comment):
    rating = services.rating_submit(application_id=completed.pk, user=owner, score=3, comment=comment)

    assert ServiceRating.objects.get(pk=rating.pk).comment == ""


def test_refusals_name_their_reason(staff, owner, completed):
    with pytest.raises(NotFound):
        services.rating_submit(application_id=completed.pk, user=f.talent_user(), score=5)
    with pytest.raises(NotFound):
        services.rating_submit(application_id=completed.pk + 10_000, user=owner, score=5)
    with pytest.raises(NotPermitted):
        services.rating_submit(application_id=completed.pk, user=staff[roles.REVIEWER], score=5)
    with pytest.raises(ValidationFailed) as bad_score:
        services.rating_submit(application_id=completed.pk, user=owner, score=True)
    assert list(bad_score.value.as_data()) == ["score"]
    with pytest.raises(ValidationFailed) as bad_comment:
        services.rating_submit(application_id=completed.pk, user=owner, score=5, comment="差" * 1001)
    assert list(bad_comment.value.as_data()) == ["comment"]
    assert ServiceRating.objects.count() == 0


def test_an_anonymous_user_gets_404(completed):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        services.rating_submit(application_id=completed.pk, user=AnonymousUser(), score=5)


def test_a_staff_member_who_is_the_applicant_rates_as_the_applicant(staff):
    # Staff may not rate other people's applications; their own, made as a talent, they may.
    clerk_as_talent = f.talent_user(extra_roles=(roles.INTAKE_CLERK,))
    application = f.application_in(Status.COMPLETED, applicant=clerk_as_talent, staff=staff)

    rating = services.rating_submit(application_id=application.pk, user=clerk_as_talent, score=4)

    assert rating.rated_by_id == clerk_as_talent.pk


def test_the_one_to_one_column_refuses_a_second_rating_the_check_missed(owner, completed):
    """Should the Python check ever miss an existing rating, the database refuses the second: 409,
    the first kept, and the surrounding transaction still usable."""
    first = services.rating_submit(application_id=completed.pk, user=owner, score=2, comment="慢")

    with mock.patch.object(services, "_rated", return_value=False), pytest.raises(Conflict):
        services.rating_submit(application_id=completed.pk, user=owner, score=5)

    assert list(ServiceRating.objects.values_list("pk", "score", "comment")) == [(first.pk, 2, "慢")]


def test_the_database_refuses_a_score_outside_1_to_5(owner, completed):
    from django.db import IntegrityError, transaction

    for score in (0, 6):
        with pytest.raises(IntegrityError), transaction.atomic():
            ServiceRating.objects.create(application=completed, score=score, rated_by=owner)
    assert ServiceRating.objects.count() == 0
