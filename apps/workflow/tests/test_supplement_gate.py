"""容缺受理: the review may start with materials missing, but no recommendation or approval is given
until they are all in; when they are, the applicant and the assignee are told; a decision clears the
supplement deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from apps.accounts import roles
from apps.notifications import kinds
from apps.notifications.models import Notification
from apps.workflow import services
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db

OUTSTANDING = "容缺受理的材料尚未补齐：居民身份证、证件照"


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


def post(account, application_id: int, action: str, body: dict | None = None):
    return f.client_for(account).post(
        f"/api/v1/applications/{application_id}/actions/{action}/", body or {}, format="json"
    )


def accepted_with_missing(owner, staff, missing: list[str]) -> Application:
    application = f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff)
    f.act(application.pk, "accept_with_missing", staff[roles.INTAKE_CLERK], missing_materials=missing)
    return Application.objects.get(pk=application.pk)


def test_recommend_waits_for_the_missing_materials_and_changes_nothing(staff):
    # given an application accepted with two materials missing
    owner = f.talent_user()
    application = accepted_with_missing(owner, staff, ["id_card", "photo"])
    before = f.snapshot(application.pk)

    # when the reviewer recommends it
    response = post(staff[roles.REVIEWER], application.pk, "recommend")

    # then it is a state conflict naming the materials, and nothing changed
    assert response.status_code == 409
    assert response.json() == {"detail": OUTSTANDING}
    assert f.snapshot(application.pk) == before
    detail = f.client_for(staff[roles.REVIEWER]).get(f"/api/v1/applications/{application.pk}/").json()
    assert detail["available_actions"] == ["return", "reject"]


def test_recommend_goes_through_once_every_material_is_in(staff):
    owner = f.talent_user()
    application = accepted_with_missing(owner, staff, ["id_card", "photo"])
    client = f.client_for(owner)
    assert f.upload(client, application.pk, "id_card", f.pdf_bytes()).status_code == 201
    assert post(staff[roles.REVIEWER], application.pk, "recommend").status_code == 409  # the photo is still missing

    assert f.upload(client, application.pk, "photo", f.png_bytes(), "p.png").status_code == 201
    response = post(staff[roles.REVIEWER], application.pk, "recommend")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["missing_materials"]) == (Status.PENDING_APPROVAL, [])


def test_approve_waits_for_the_missing_materials_too(staff):
    # given an application recommended while materials were missing (before recommend waited)
    owner = f.talent_user()
    application = accepted_with_missing(owner, staff, ["id_card", "photo"])
    Application.objects.filter(pk=application.pk).update(status=Status.PENDING_APPROVAL)
    before = f.snapshot(application.pk)

    # when the approver approves it
    response = post(staff[roles.APPROVER], application.pk, "approve")

    # then 409 naming the materials, nothing changed, and approve is not offered
    assert response.status_code == 409
    assert response.json() == {"detail": OUTSTANDING}
    assert f.snapshot(application.pk) == before
    detail = f.client_for(staff[roles.APPROVER]).get(f"/api/v1/applications/{application.pk}/").json()
    assert detail["available_actions"] == ["return", "reject"]


def test_the_admin_says_why_recommend_is_not_offered(staff):
    owner = f.talent_user()
    application = accepted_with_missing(owner, staff, ["id_card", "photo"])
    client = Client()
    client.force_login(staff[roles.REVIEWER])

    response = client.post(f"/admin/workflow/application/{application.pk}/act/recommend/", {"note": ""})

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["容缺受理的材料尚未补齐"]
    assert Application.objects.get(pk=application.pk).status == Status.UNDER_REVIEW


@pytest.mark.parametrize(("action", "body"), [("approve", {}), ("reject", {"reason": "不符合条件"})])
def test_a_decision_clears_the_supplement_deadline(staff, action, body):
    # given an application pending approval that still carries a supplement deadline, nothing missing
    owner = f.talent_user()
    application = f.application_in(Status.PENDING_APPROVAL, applicant=owner, staff=staff)
    Application.objects.filter(pk=application.pk).update(supplement_deadline=dt.date(2026, 10, 13))

    # when the approver decides
    response = post(staff[roles.APPROVER], application.pk, action, body)

    # then no supplement deadline is left
    assert response.status_code == 200, response.json()
    assert response.json()["supplement_deadline"] is None
    assert Application.objects.get(pk=application.pk).supplement_deadline is None


def test_the_applicant_and_the_assignee_are_told_the_materials_arrived(staff, django_capture_on_commit_callbacks):
    # given an application accepted with the ID missing, assigned to the reviewer
    owner = f.talent_user()
    application = accepted_with_missing(owner, staff, ["id_card"])
    services.applications_assign(
        application_ids=[application.pk], assignee=staff[roles.REVIEWER], actor=staff[roles.DISTRICT_ADMIN]
    )

    # when the talent uploads it
    with django_capture_on_commit_callbacks(execute=True):
        assert f.upload(f.client_for(owner), application.pk, "id_card", f.pdf_bytes()).status_code == 201

    # then both are told, once, in Chinese (the default language)
    event = ApplicationEvent.objects.get(application=application, action="supplemented")
    notices = Notification.objects.filter(kind="application.supplemented").order_by("id")
    assert [(n.recipient, n.event_key, n.title, n.link) for n in notices] == [
        (owner, f"application-event:{event.pk}", "补正材料已收到", f"/my/applications/{application.pk}/"),
        (
            staff[roles.REVIEWER],
            f"application-event:{event.pk}",
            "补正材料已收到",
            f"/admin/workflow/application/{application.pk}/change/",
        ),
    ]
    assert notices[0].body == (
        f"流程测试事项申请（编号 {application.number}）容缺受理时缺少的材料已全部收到，审核继续进行。"
    )


def test_without_an_assignee_only_the_applicant_is_told(staff, django_capture_on_commit_callbacks):
    owner = f.talent_user()
    application = accepted_with_missing(owner, staff, ["id_card", "photo"])
    # accepting assigned the clerk: nobody has it once the assignment is withdrawn
    services.applications_assign(application_ids=[application.pk], assignee=None, actor=staff[roles.DISTRICT_ADMIN])
    client = f.client_for(owner)

    with django_capture_on_commit_callbacks(execute=True):
        assert f.upload(client, application.pk, "id_card", f.pdf_bytes()).status_code == 201
    assert Notification.objects.filter(kind="application.supplemented").count() == 0  # the photo is still due

    with django_capture_on_commit_callbacks(execute=True):
        assert f.upload(client, application.pk, "photo", f.png_bytes(), "p.png").status_code == 201
    assert list(Notification.objects.filter(kind="application.supplemented").values_list("recipient", flat=True)) == [
        owner.pk
    ]


def test_materials_received_reads_in_english():
    assert kinds.render(
        "application.supplemented", "en", {"service": "talent green card", "number": "HZ2026-000007"}
    ) == (
        "Materials received",
        "All the materials missing when the talent green card application HZ2026-000007 was accepted have been "
        "received; the review continues.",
    )
