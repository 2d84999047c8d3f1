"""Ratings in the admin: read-only, for every district staff role, filtered by score and service."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import roles
from apps.engagement import services
from apps.engagement.models import ServiceRating
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

LIST = "/admin/engagement/servicerating/"


@pytest.fixture
def staff():
    return f.staff_users()


@pytest.fixture
def rate(staff):
    def _rate(score: int, *, code: str = f.SERVICE, comment: str = "") -> ServiceRating:
        f.service(code)
        owner = f.talent_user()
        application = f.application_in(Status.COMPLETED, applicant=owner, staff=staff, code=code)
        return services.rating_submit(application_id=application.pk, user=owner, score=score, comment=comment)

    return _rate


def listed(response) -> list[int]:
    return sorted(rating.pk for rating in response.context["cl"].result_list)


@pytest.mark.parametrize("role", sorted(roles.STAFF_ROLES))
def test_every_staff_role_sees_the_ratings(client, staff, rate, role):
    rating = rate(5, comment="服务周到")
    client.force_login(staff[role])

    response = client.get(LIST)

    assert response.status_code == 200
    assert listed(response) == [rating.pk]
    html = response.content.decode()
    assert rating.application.number in html and "流程测试事项" in html and "非常满意" in html


def test_filtered_by_score_and_by_service(client, staff, rate):
    good = rate(5)
    poor = rate(1)
    other = rate(3, code="wf_other")
    client.force_login(staff[roles.DISTRICT_ADMIN])

    assert listed(client.get(LIST)) == sorted([good.pk, poor.pk, other.pk])
    assert listed(client.get(LIST, {"score__exact": "1"})) == [poor.pk]
    service_id = other.application.service_id
    assert listed(client.get(LIST, {"application__service__id__exact": str(service_id)})) == [other.pk]
    assert listed(client.get(LIST, {"q": good.application.number})) == [good.pk]


def test_ratings_are_read_only(client, staff, rate):
    rating = rate(2, comment="等候时间长")
    client.force_login(staff[roles.DISTRICT_ADMIN])

    assert client.get(f"{LIST}add/").status_code == 403
    page = client.get(f"{LIST}{rating.pk}/change/")
    assert page.status_code == 200
    assert "等候时间长" in page.content.decode()
    assert client.post(f"{LIST}{rating.pk}/change/", {"score": "5", "comment": "改"}).status_code == 403
    assert client.post(f"{LIST}{rating.pk}/delete/", {"post": "yes"}).status_code == 403
    assert list(ServiceRating.objects.values_list("pk", "score", "comment")) == [(rating.pk, 2, "等候时间长")]


def test_talents_and_hr_do_not_get_the_admin(client, rate):
    rate(4)
    for account in (f.talent_user(), f.hr_user(f.enterprise())):
        client.force_login(account)
        assert client.get(LIST).status_code == 302  # to the admin login: not staff


def test_the_list_costs_the_same_queries_for_1_or_6_ratings(client, staff, rate, django_assert_max_num_queries):
    rate(5)
    client.force_login(staff[roles.REVIEWER])
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for score in (1, 2, 3, 4):
        rate(score)
    rate(4, code="wf_other")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(LIST)

    assert len(response.context["cl"].result_list) == 6
