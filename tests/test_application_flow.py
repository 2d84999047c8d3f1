"""A talent, through the API only, goes from draft to a registration card; staff act through the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts import roles
from apps.enterprises.models import Quota
from apps.enterprises.services import enterprise_create, key_listing_set, quota_set_total
from apps.notifications.models import Notification
from apps.talents.services import talent_create
from apps.workflow.models import Application

# Real commits, so the after-commit pre-check and notifications run as in production.
pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(client, app_id, code, content=PDF, name="doc.pdf"):
    return client.post(
        f"/api/v1/applications/{app_id}/attachments/",
        {"material": code, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(roles.INTAKE_CLERK),
        "reviewer": make_user(roles.REVIEWER),
        "approver": make_user(roles.APPROVER),
    }


def test_hukou_end_to_end(make_user, client_for, staff):
    from django.utils import timezone

    year = timezone.localdate().year
    from tests.test_application_flow_helpers import valid_credit_code

    enterprise = enterprise_create(name="琶洲科技有限公司", credit_code=valid_credit_code("914401016180000"))
    key_listing_set(enterprise=enterprise, year=year)
    quota_set_total(enterprise_id=enterprise.pk, kind=Quota.Kind.HUKOU_INDICATOR, year=year, total=2)
    user = make_user(roles.TALENT, phone="13800001111")
    talent_create(user=user, name="李华", id_number="11010519491231002X", phone="13800001111", employer=enterprise)
    client = client_for(user)

    r = client.post("/api/v1/applications/", {"service": "hukou"}, format="json")
    assert r.status_code == 201, r.json()
    app_id = r.json()["id"]
    assert r.json()["available_actions"] == ["submit", "withdraw"]

    r = upload(client, app_id, "id_card")
    assert r.status_code == 201, r.json()

    r = client.post(f"/api/v1/applications/{app_id}/actions/submit/", {}, format="json")
    assert r.status_code == 200, r.json()
    app = Application.objects.get(pk=app_id)
    assert app.status == "pre_review"
    assert app.precheck_report["ok"] is False

    clerk = client_for(staff["clerk"])
    r = clerk.post(
        f"/api/v1/applications/{app_id}/actions/return/",
        {"problems": ["缺少多项材料"], "missing_materials": ["diploma"]},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "returned"

    r = client.post(f"/api/v1/applications/{app_id}/actions/resubmit/", {}, format="json")
    assert r.json()["status"] == "pre_review"  # the pre-check ran after commit, before the answer

    r = clerk.post(
        f"/api/v1/applications/{app_id}/actions/accept_with_missing/",
        {"missing_materials": ["diploma"], "problems": [], "supplement_days": 5},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "under_review"
    assert r.json()["supplement_deadline"]
    assert r.json()["deadline"]

    r = upload(client, app_id, "diploma")
    assert r.status_code == 201, r.json()
    assert Application.objects.get(pk=app_id).missing_materials == []

    reviewer = client_for(staff["reviewer"])
    r = reviewer.post(f"/api/v1/applications/{app_id}/actions/recommend/", {}, format="json")
    assert r.status_code == 200, r.json()
    approver = client_for(staff["approver"])
    r = approver.post(f"/api/v1/applications/{app_id}/actions/approve/", {}, format="json")
    assert r.status_code == 200, r.json()
    assert Quota.objects.get(enterprise=enterprise).used == 1
    r = clerk.post(f"/api/v1/applications/{app_id}/actions/fulfil/", {}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "completed"
    assert r.json()["result"]["card_number"].startswith(f"RH{year}")

    events = client.get(f"/api/v1/applications/{app_id}/events/").json()["results"]
    assert [e["action"] for e in events] == [
        "create",
        "upload",
        "submit",
        "precheck",
        "return",
        "resubmit",
        "precheck",
        "assign",  # accepting assigned the clerk
        "accept_with_missing",
        "upload",
        "supplemented",
        "recommend",
        "approve",
        "fulfil",
    ]
    kinds = list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))
    assert kinds == [
        "application.submitted",
        "application.prechecked",
        "application.returned",
        "application.resubmitted",
        "application.prechecked",
        "application.accepted_with_missing",
        "application.supplemented",
        "application.recommended",
        "application.approved",
        "application.completed",
    ]
