"""Who sees what through the API: visibility (404), HR acting for its own enterprise's talents,
anonymous callers (401), bodies that are not JSON objects (400, never 500), and query budgets."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import roles
from apps.talents.models import Talent
from apps.workflow import services
from apps.workflow.models import Application, ServiceDefinition
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


def endpoints(application_id: int, attachment_id: int) -> list[tuple[str, str, dict | None]]:
    base = f"/api/v1/applications/{application_id}"
    return [
        ("get", f"{base}/", None),
        ("patch", f"{base}/", {"data": {"note": "x"}}),
        ("post", f"{base}/actions/withdraw/", {}),
        ("post", f"{base}/actions/submit/", {}),
        ("post", f"{base}/actions/accept/", {}),
        ("get", f"{base}/attachments/", None),
        ("get", f"{base}/attachments/{attachment_id}/download/", None),
        ("get", f"{base}/events/", None),
    ]


def call(client, method: str, url: str, body):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body, format="json")


@pytest.fixture
def owned(staff):
    """A talent's draft with one uploaded material."""
    owner = f.talent_user()
    application = f.draft(owner)
    response = f.upload(f.client_for(owner), application.pk, "application_form", f.pdf_bytes())
    assert response.status_code == 201, response.json()
    return owner, application, response.json()["id"]


# --- visibility ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_talent", "other_enterprise_hr", "hr_of_another_enterprise_with_talent"])
def test_other_people_get_404_everywhere_and_nothing_changes(staff, owned, who):
    owner, application, attachment_id = owned
    if who == "other_talent":
        stranger = f.talent_user(name="王五")
    elif who == "other_enterprise_hr":
        stranger = f.hr_user(f.enterprise())
    else:
        # An HR user who has submitted applications of its own (for its own talent) still sees no others.
        company = f.enterprise()
        stranger = f.hr_user(company)
        employee = f.talent_user(employer=company)
        f.draft(stranger, talent_id=employee.talent_profile.pk)
    client = f.client_for(stranger)
    before = f.snapshot(application.pk)
    for method, url, body in endpoints(application.pk, attachment_id):
        response = call(client, method, url, body)
        assert response.status_code == 404, (method, url, response.status_code)
        assert f.snapshot(application.pk) == before, (method, url)
    upload = f.upload(client, application.pk, "application_form", f.pdf_bytes())
    assert upload.status_code == 404
    assert f.snapshot(application.pk) == before
    listed = [item["id"] for item in client.get("/api/v1/applications/").json()["results"]]
    assert application.pk not in listed


def test_a_404_for_a_hidden_application_looks_like_one_for_a_missing_application(staff, owned):
    _, application, attachment_id = owned
    client = f.client_for(f.talent_user(name="王五"))
    hidden = client.get(f"/api/v1/applications/{application.pk}/")
    missing = client.get(f"/api/v1/applications/{application.pk + 1000}/")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())


def test_an_attachment_of_another_application_is_404_under_mine(staff, owned):
    _, _, foreign_attachment = owned
    me = f.talent_user(name="王五")
    mine = f.draft(me)
    response = f.client_for(me).get(f"/api/v1/applications/{mine.pk}/attachments/{foreign_attachment}/download/")
    assert response.status_code == 404


@pytest.mark.parametrize("pk", ["abc", "0", "99999999999999999999"])
def test_malformed_or_unknown_ids_are_404(staff, pk):
    client = f.client_for(f.talent_user())
    assert client.get(f"/api/v1/applications/{pk}/").status_code == 404
    assert client.post(f"/api/v1/applications/{pk}/actions/submit/", {}, format="json").status_code == 404
    assert client.get(f"/api/v1/applications/{pk}/events/").status_code == 404


def test_staff_see_every_application_but_do_not_edit_or_upload_for_the_applicant(staff, owned):
    _, application, attachment_id = owned
    for account in staff.values():
        client = f.client_for(account)
        assert client.get(f"/api/v1/applications/{application.pk}/").status_code == 200
        assert client.get(f"/api/v1/applications/{application.pk}/events/").status_code == 200
        download = client.get(f"/api/v1/applications/{application.pk}/attachments/{attachment_id}/download/")
        assert download.status_code == 200
        before = f.snapshot(application.pk)
        response = client.patch(f"/api/v1/applications/{application.pk}/", {"data": {"x": 1}}, format="json")
        assert response.status_code == 403
        assert f.upload(client, application.pk, "photo", f.png_bytes(), "p.png").status_code == 403
        assert f.snapshot(application.pk) == before


def test_staff_do_not_create_applications(staff):
    for account in staff.values():
        response = f.client_for(account).post("/api/v1/applications/", {"service": f.SERVICE}, format="json")
        assert response.status_code == 403
    assert Application.objects.count() == 0


# --- HR acting for the enterprise's talents ------------------------------------------------------


def test_hr_applies_for_a_talent_of_its_own_enterprise_and_acts_as_the_applicant(staff):
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    client = f.client_for(hr)

    response = client.post(
        "/api/v1/applications/", {"service": f.SERVICE, "talent": employee.talent_profile.pk}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["available_actions"] == ["submit", "withdraw"]
    assert body["submitted_by"] == hr.username
    assert body["enterprise"] == company.pk
    app_id = body["id"]
    assert f.upload(client, app_id, "application_form", f.pdf_bytes()).status_code == 201
    response = client.post(f"/api/v1/applications/{app_id}/actions/submit/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.SUBMITTED
    # The talent sees the application made for them and may withdraw it too.
    talent_view = f.client_for(employee).get(f"/api/v1/applications/{app_id}/")
    assert talent_view.status_code == 200
    assert talent_view.json()["available_actions"] == ["withdraw"]
    # Staff treat HR as the applicant: HR may not take a staff action even holding no staff role.
    assert client.post(f"/api/v1/applications/{app_id}/actions/accept/", {}, format="json").status_code == 403


@pytest.mark.parametrize("target", ["other_enterprise", "no_employer", "missing"])
def test_hr_for_a_talent_not_of_its_enterprise_is_400_naming_talent(staff, target):
    company = f.enterprise()
    hr = f.hr_user(company)
    if target == "other_enterprise":
        talent_id = f.talent_user(employer=f.enterprise()).talent_profile.pk
    elif target == "no_employer":
        talent_id = f.talent_user().talent_profile.pk
    else:
        talent_id = (Talent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 100

    response = f.client_for(hr).post(
        "/api/v1/applications/", {"service": f.SERVICE, "talent": talent_id}, format="json"
    )

    assert response.status_code == 400
    assert "talent" in response.json()
    assert Application.objects.count() == 0


def test_hr_without_a_talent_is_400_naming_talent(staff):
    # given an HR user of an enterprise with an employee
    company = f.enterprise()
    hr = f.hr_user(company)
    f.talent_user(employer=company)

    # when it creates an application without saying for whom
    response = f.client_for(hr).post("/api/v1/applications/", {"service": f.SERVICE}, format="json")

    # then the missing field is named, and nothing is created
    assert response.status_code == 400
    assert response.json() == {"talent": ["企业人事须指明为本企业哪位人才申请"]}
    assert Application.objects.count() == 0


def test_hr_without_a_talent_for_a_service_talents_apply_for_themselves_is_403(staff):
    ServiceDefinition.objects.filter(code=f.SERVICE).update(applicant_kinds=["talent"])
    hr = f.hr_user(f.enterprise())

    response = f.client_for(hr).post("/api/v1/applications/", {"service": f.SERVICE}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "企业人事不能代人才申请本事项"}
    assert Application.objects.count() == 0


def test_a_staff_member_may_not_create_applications(staff):
    response = f.client_for(staff[roles.REVIEWER]).post(
        "/api/v1/applications/", {"service": f.SERVICE}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "only talents and enterprise HR create applications"}
    assert Application.objects.count() == 0


def test_hr_may_not_apply_for_a_service_talents_apply_for_themselves(staff):
    ServiceDefinition.objects.filter(code=f.SERVICE).update(applicant_kinds=["talent"])
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    response = f.client_for(hr).post(
        "/api/v1/applications/", {"service": f.SERVICE, "talent": employee.talent_profile.pk}, format="json"
    )
    assert response.status_code == 403
    assert Application.objects.count() == 0


def test_a_talent_applies_only_for_themselves(staff):
    me = f.talent_user()
    other = f.talent_user(name="王五")
    response = f.client_for(me).post(
        "/api/v1/applications/", {"service": f.SERVICE, "talent": other.talent_profile.pk}, format="json"
    )
    assert response.status_code == 400
    assert "talent" in response.json()


@pytest.mark.parametrize("service_code", ["no_such_service", ""])
def test_an_unknown_service_is_400_naming_service(staff, service_code):
    response = f.client_for(f.talent_user()).post("/api/v1/applications/", {"service": service_code}, format="json")
    assert response.status_code == 400
    assert "service" in response.json()


# --- anonymous -----------------------------------------------------------------------------------


def test_anonymous_callers_get_401_and_nothing_changes(staff, owned):
    _, application, attachment_id = owned
    client = f.client_for(None)
    before = f.snapshot(application.pk)
    for method, url, body in [
        ("get", "/api/v1/applications/", None),
        ("post", "/api/v1/applications/", {"service": f.SERVICE}),
        *endpoints(application.pk, attachment_id),
    ]:
        response = call(client, method, url, body)
        assert response.status_code == 401, (method, url, response.status_code)
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 401
    assert f.snapshot(application.pk) == before
    # The catalog is public.
    assert client.get("/api/v1/services/").status_code == 200


def test_a_bad_token_is_401(staff, owned):
    _, application, _ = owned
    client = f.client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(f"/api/v1/applications/{application.pk}/").status_code == 401


# --- bodies that are not JSON objects -------------------------------------------------------------

NOT_OBJECTS = ["[]", '["submit"]', '"submit"', "42", "null", "true", "{not json", '[{"service": "wf_test"}]']


@pytest.mark.parametrize("raw", NOT_OBJECTS)
def test_a_body_that_is_not_a_json_object_is_400_never_500(staff, raw):
    owner = f.talent_user()
    application = f.draft(owner)
    clerk_app = f.application_in(Status.PRE_REVIEW, staff=staff)
    before = f.snapshot(application.pk)
    cases = [
        (owner, "post", "/api/v1/applications/"),
        (owner, "patch", f"/api/v1/applications/{application.pk}/"),
        (owner, "post", f"/api/v1/applications/{application.pk}/actions/submit/"),
        (staff[roles.INTAKE_CLERK], "post", f"/api/v1/applications/{clerk_app.pk}/actions/return/"),
        (staff[roles.INTAKE_CLERK], "post", f"/api/v1/applications/{clerk_app.pk}/actions/accept_with_missing/"),
    ]
    for account, method, url in cases:
        client = f.client_for(account)
        response = getattr(client, method)(url, raw, content_type="application/json")
        assert response.status_code == 400, (raw, url, response.status_code, response.content)
        assert isinstance(response.json(), dict)
    assert f.snapshot(application.pk) == before
    assert Application.objects.get(pk=clerk_app.pk).status == Status.PRE_REVIEW


@pytest.mark.parametrize("raw", ["[]", '{"material": "id_card"}', "null"])
def test_an_upload_sent_as_json_is_refused_never_500(staff, raw):
    owner = f.talent_user()
    application = f.draft(owner)
    response = f.client_for(owner).post(
        f"/api/v1/applications/{application.pk}/attachments/", raw, content_type="application/json"
    )
    assert response.status_code in (400, 415)
    assert application.attachments.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": {"a": 1}}, "note"),
        ({"note": ["x"]}, "note"),
        ({"reason": None}, "reason"),
        ({"problems": [{"x": 1}]}, "problems"),
        ({"missing_materials": {"id_card": True}}, "missing_materials"),
        ({"supplement_days": [5]}, "supplement_days"),
    ],
)
def test_action_fields_of_the_wrong_type_are_400_naming_them(staff, body, field):
    application = f.application_in(Status.PRE_REVIEW, staff=staff)
    before = f.snapshot(application.pk)
    response = f.client_for(staff[roles.INTAKE_CLERK]).post(
        f"/api/v1/applications/{application.pk}/actions/return/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert f.snapshot(application.pk) == before


def test_patch_with_data_that_is_not_an_object_is_400_naming_data(staff):
    owner = f.talent_user()
    application = f.draft(owner)
    before = f.snapshot(application.pk)
    response = f.client_for(owner).patch(f"/api/v1/applications/{application.pk}/", {"data": ["a", "b"]}, format="json")
    assert response.status_code == 400
    assert "data" in response.json()
    assert f.snapshot(application.pk) == before


def test_patch_edits_a_draft_and_is_409_once_submitted(staff):
    owner = f.talent_user()
    application = f.draft(owner)
    client = f.client_for(owner)
    response = client.patch(f"/api/v1/applications/{application.pk}/", {"data": {"position": "工程师"}}, format="json")
    assert response.status_code == 200
    assert response.json()["data"] == {"position": "工程师"}
    f.act(application.pk, "submit", owner)
    before = f.snapshot(application.pk)
    response = client.patch(f"/api/v1/applications/{application.pk}/", {"data": {"position": "经理"}}, format="json")
    assert response.status_code == 409
    assert f.snapshot(application.pk) == before


# --- query budgets ---------------------------------------------------------------------------------


MIX = [Status.DRAFT, Status.PRE_REVIEW, Status.UNDER_REVIEW, Status.RETURNED, Status.PENDING_APPROVAL, Status.APPROVED]


def _grow(count: int, *, start: int, owner, hr, staff) -> None:
    """``count`` more applications in mixed states, half of them made by HR for ``owner``, each for a
    service of its own (one open application per service), all assigned to a reviewer."""
    made = []
    for index in range(start, start + count):
        code = f"wf_q{index}"
        f.service(code)
        submitter = hr if index % 2 else owner
        application = f.draft(submitter, code=code, talent_id=owner.talent_profile.pk if index % 2 else None)
        made.append(f.drive(application, MIX[index % len(MIX)], applicant=submitter, staff=staff).pk)
    services.applications_assign(
        application_ids=made, assignee=staff[roles.REVIEWER], actor=staff[roles.DISTRICT_ADMIN]
    )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["staff", "talent", "hr"])
def test_the_application_list_costs_the_same_queries_for_5_or_40(staff, django_assert_max_num_queries, who):
    company = f.enterprise()
    hr = f.hr_user(company)
    owner = f.talent_user(employer=company)
    account = {"staff": staff[roles.REVIEWER], "talent": owner, "hr": hr}[who]
    client = f.client_for(account)
    url = "/api/v1/applications/?page_size=100"
    _grow(5, start=0, owner=owner, hr=hr, staff=staff)
    budget = _queries(client, url)

    _grow(35, start=5, owner=owner, hr=hr, staff=staff)

    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert len(response.json()["results"]) == (20 if who == "hr" else 40)
    if who != "hr":
        assert {item["status"] for item in response.json()["results"]} == set(MIX)


def test_the_event_timeline_costs_the_same_queries_for_5_or_40_events(staff, django_assert_max_num_queries):
    owner = f.talent_user()
    application = f.draft(owner)
    client = f.client_for(owner)
    for _ in range(4):
        f.upload(client, application.pk, "application_form", f.pdf_bytes())
    url = f"/api/v1/applications/{application.pk}/events/?page_size=100"
    assert client.get(url).json()["count"] == 5
    budget = _queries(client, url)
    services.applications_assign(
        application_ids=[application.pk], assignee=staff[roles.REVIEWER], actor=staff[roles.DISTRICT_ADMIN]
    )
    for _ in range(34):
        f.upload(client, application.pk, "photo", f.png_bytes(), "p.png")
    assert client.get(url).json()["count"] == 40
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert len(response.json()["results"]) == 40
    # The owner sees their own name and staff as a role label, never a staff username (issue 8).
    assert {e["actor"] for e in response.json()["results"]} == {owner.username, "工作人员"}
