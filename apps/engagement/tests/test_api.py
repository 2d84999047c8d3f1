"""Rating an application over the API (好差评): who may, when, what is stored, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.accounts import roles
from apps.engagement.models import ServiceRating
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db


def url(application_id: int) -> str:
    return f"/api/v1/applications/{application_id}/rating/"


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


def stored() -> list[dict]:
    return list(ServiceRating.objects.order_by("pk").values())


# --- the applicant rates -----------------------------------------------------------------------


def test_the_applicant_rates_a_completed_application(client_for, owner, completed):
    before = f.snapshot(completed.pk)

    response = client_for(owner).post(
        url(completed.pk), {"score": 4, "comment": "  窗口人员耐心，办理很快。\n "}, format="json"
    )

    assert response.status_code == 201, response.json()
    rating = ServiceRating.objects.get()
    assert (rating.application_id, rating.score, rating.comment, rating.rated_by_id) == (
        completed.pk,
        4,
        "窗口人员耐心，办理很快。",
        owner.pk,
    )
    body = response.json()
    assert set(body) == {"score", "score_display", "comment", "created_at"}
    assert (body["score"], body["score_display"], body["comment"]) == (4, "满意", "窗口人员耐心，办理很快。")
    assert dt.datetime.fromisoformat(body["created_at"]) == rating.created_at
    # Rating is no step of the workflow: the application, its timeline and notifications stay as they were.
    assert f.snapshot(completed.pk) == before


@pytest.mark.parametrize(
    ("score", "label"), [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]
)
def test_each_score_has_its_named_level(client_for, owner, completed, score, label):
    response = client_for(owner).post(url(completed.pk), {"score": score}, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["score_display"], response.json()["comment"]) == (label, "")
    assert ServiceRating.objects.get().score == score


def test_a_second_rating_is_409_and_the_first_stays(client_for, owner, completed):
    client = client_for(owner)
    assert client.post(url(completed.pk), {"score": 2, "comment": "等了很久"}, format="json").status_code == 201
    before = stored()

    response = client.post(url(completed.pk), {"score": 5, "comment": "改成好评"}, format="json")

    assert response.status_code == 409
    assert "detail" in response.json()
    assert stored() == before


@pytest.mark.parametrize(
    "state",
    [Status.DRAFT, Status.PRE_REVIEW, Status.UNDER_REVIEW, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN],
)
def test_an_application_not_completed_is_409(client_for, staff, owner, state):
    application = f.application_in(state, applicant=owner, staff=staff)

    response = client_for(owner).post(url(application.pk), {"score": 5}, format="json")

    assert response.status_code == 409
    assert stored() == []


def test_the_hr_user_who_submitted_it_may_rate_and_then_the_talent_may_not(client_for, staff):
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    application = f.drive(
        f.draft(hr, talent_id=employee.talent_profile.pk), Status.COMPLETED, applicant=hr, staff=staff
    )

    response = client_for(hr).post(url(application.pk), {"score": 5, "comment": "代办顺利"}, format="json")

    assert response.status_code == 201, response.json()
    rating = ServiceRating.objects.get()
    assert (rating.application_id, rating.score, rating.comment, rating.rated_by_id) == (
        application.pk,
        5,
        "代办顺利",
        hr.pk,
    )
    # One rating per application, whoever of the two applicants gives it.
    assert client_for(employee).post(url(application.pk), {"score": 1}, format="json").status_code == 409
    assert ServiceRating.objects.count() == 1


def test_the_talent_may_rate_an_application_hr_submitted_for_them(client_for, staff):
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    application = f.drive(
        f.draft(hr, talent_id=employee.talent_profile.pk), Status.COMPLETED, applicant=hr, staff=staff
    )

    response = client_for(employee).post(url(application.pk), {"score": 3}, format="json")

    assert response.status_code == 201, response.json()
    assert ServiceRating.objects.get().rated_by_id == employee.pk


# --- who may not -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_talent", "hr_of_the_employer_who_did_not_submit"])
def test_people_who_cannot_see_the_application_get_404(client_for, staff, who):
    company = f.enterprise()
    owner = f.talent_user(employer=company)
    application = f.application_in(Status.COMPLETED, applicant=owner, staff=staff)
    stranger = f.talent_user() if who == "other_talent" else f.hr_user(company)

    response = client_for(stranger).post(url(application.pk), {"score": 5}, format="json")

    assert response.status_code == 404
    # Exactly like an application that does not exist.
    assert client_for(stranger).post(url(application.pk + 10_000), {"score": 5}, format="json").json() == (
        response.json()
    )
    assert stored() == []


@pytest.mark.parametrize("role", sorted(roles.STAFF_ROLES))
def test_staff_see_the_application_but_may_not_rate_it(client_for, staff, completed, role):
    response = client_for(staff[role]).post(url(completed.pk), {"score": 5}, format="json")

    assert response.status_code == 403
    assert stored() == []


def test_staff_get_403_before_their_body_is_looked_at(client_for, staff, completed):
    response = client_for(staff[roles.DISTRICT_ADMIN]).post(url(completed.pk), {"score": 9}, format="json")

    assert response.status_code == 403


def test_anonymous_callers_get_401(api_client, completed):
    assert api_client.post(url(completed.pk), {"score": 5}, format="json").status_code == 401
    assert api_client.get(url(completed.pk)).status_code == 401
    assert stored() == []


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"score": 0},
        {"score": 6},
        {"score": -1},
        {"score": "5x"},
        {"score": True},
        {"score": False},
        {"score": 4.5},
        {"score": 5.0},
        {"score": None},
        {"score": ""},
        {"score": [5]},
        {"score": {"value": 5}},
        {"score": "9" * 5000},
        {"comment": "没有评分"},
    ],
)
def test_a_bad_score_is_400_naming_score_and_nothing_is_written(client_for, owner, completed, body):
    response = client_for(owner).post(url(completed.pk), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["score"]
    assert stored() == []


def test_a_score_as_a_string_of_digits_is_taken(client_for, owner, completed):
    response = client_for(owner).post(url(completed.pk), {"score": " 3 "}, format="json")

    assert response.status_code == 201, response.json()
    assert ServiceRating.objects.get().score == 3


def test_a_comment_over_1000_characters_is_400_naming_comment(client_for, owner, completed):
    response = client_for(owner).post(url(completed.pk), {"score": 4, "comment": "好" * 1001}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["comment"]
    assert stored() == []


def test_a_comment_of_exactly_1000_characters_is_kept_whole(client_for, owner, completed):
    response = client_for(owner).post(url(completed.pk), {"score": 4, "comment": "好" * 1000}, format="json")

    assert response.status_code == 201, response.json()
    assert ServiceRating.objects.get().comment == "好" * 1000


@pytest.mark.parametrize(
    "raw",
    [
        '{"score": 4, "comment": "a\\u0000b"}',  # NUL: PostgreSQL text cannot hold it
        '{"score": 4, "comment": "a\\ud800b"}',  # a lone surrogate: not encodable as UTF-8
        '{"score": 4, "comment": 123}',
        '{"score": 4, "comment": ["a"]}',
    ],
)
def test_a_comment_that_cannot_be_stored_is_400_naming_comment_never_500(client_for, owner, completed, raw):
    response = client_for(owner).post(url(completed.pk), raw, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()) == ["comment"]
    assert stored() == []


@pytest.mark.parametrize("raw", ["[1, 2]", '"5"', "5", "null", "{bad json"])
def test_a_body_that_is_not_a_json_object_is_400(client_for, owner, completed, raw):
    response = client_for(owner).post(url(completed.pk), raw, content_type="application/json")

    assert response.status_code == 400
    assert stored() == []


def test_a_form_encoded_body_is_415(client_for, owner, completed):
    response = client_for(owner).post(url(completed.pk), {"score": "5"})

    assert response.status_code == 415
    assert stored() == []


# --- reading a rating --------------------------------------------------------------------------


def test_get_is_404_until_rated_then_the_rating_for_everyone_who_sees_the_application(
    client_for, staff, owner, completed
):
    assert client_for(owner).get(url(completed.pk)).status_code == 404
    posted = client_for(owner).post(url(completed.pk), {"score": 5, "comment": "满意"}, format="json").json()

    for reader in (owner, staff[roles.INTAKE_CLERK], staff[roles.DISTRICT_ADMIN]):
        response = client_for(reader).get(url(completed.pk))
        assert response.status_code == 200
        assert response.json() == posted


def test_get_of_an_application_not_visible_is_404(client_for, owner, completed):
    client_for(owner).post(url(completed.pk), {"score": 5}, format="json")

    assert client_for(f.talent_user()).get(url(completed.pk)).status_code == 404


def test_get_costs_a_fixed_few_queries(client_for, owner, completed, django_assert_max_num_queries):
    client = client_for(owner)
    client.post(url(completed.pk), {"score": 5, "comment": "满意"}, format="json")

    # Token + user, the user's roles, the visible application, its rating.
    with django_assert_max_num_queries(4):
        assert client.get(url(completed.pk)).status_code == 200


def test_the_schema_documents_the_rating_path(api_client):
    import yaml

    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)
    operations = schema["paths"]["/api/v1/applications/{id}/rating/"]
    assert set(operations) == {"get", "post"}
    assert {"201", "400", "403", "404", "409"} <= set(operations["post"]["responses"])
    assert set(operations["post"]["requestBody"]["content"]) == {"application/json"}
