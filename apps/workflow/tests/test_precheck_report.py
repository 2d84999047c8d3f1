"""The applicant sees what the pre-check found to fix, and is told which materials are missing;
what concerns other people's applications stays with staff."""

from __future__ import annotations

import pytest

from apps.accounts import roles
from apps.notifications.models import Notification
from apps.workflow.models import Application

from . import factories as f

pytestmark = pytest.mark.django_db

MISSING = {
    "code": "missing_materials",
    "materials": ["application_form", "id_card"],
    "message": "缺少必交材料",
}
INCOMPLETE = {
    "code": "profile_incomplete",
    "fields": ["id_number", "phone"],
    "message": "人才信息不完整",
}


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


def submit(account, application_id: int, capture) -> None:
    with capture(execute=True):  # the pre-check and the notices run after commit
        response = f.client_for(account).post(
            f"/api/v1/applications/{application_id}/actions/submit/", {}, format="json"
        )
    assert response.status_code == 200, response.json()


def test_the_applicant_sees_the_missing_materials_and_profile_fields(staff, django_capture_on_commit_callbacks):
    # given a talent who submits without any material and with an incomplete profile
    owner = f.talent_user()
    application = f.draft(owner)
    submit(owner, application.pk, django_capture_on_commit_callbacks)
    checked_at = Application.objects.get(pk=application.pk).precheck_report["checked_at"]

    # when the talent reads the application
    body = f.client_for(owner).get(f"/api/v1/applications/{application.pk}/").json()

    # then the report names the materials and fields to fix
    assert body["precheck_report"] == {"ok": False, "issues": [MISSING, INCOMPLETE], "checked_at": checked_at}


def test_other_applications_under_the_same_id_are_shown_to_staff_only(staff, django_capture_on_commit_callbacks):
    # given an HR user's draft for an employee, and the employee applying from their own account
    company = f.enterprise()
    hr = f.hr_user(company)
    owner = f.talent_user(employer=company)
    other = f.draft(hr, talent_id=owner.talent_profile.pk)
    application = f.draft(owner)
    submit(owner, application.pk, django_capture_on_commit_callbacks)
    same_id = {
        "code": "same_id_other_account",
        "message": "同一身份证号码经其他账户申请",
    }

    # when the talent and staff read it
    mine = f.client_for(owner).get(f"/api/v1/applications/{application.pk}/").json()["precheck_report"]
    staffs = f.client_for(staff[roles.INTAKE_CLERK]).get(f"/api/v1/applications/{application.pk}/").json()

    # then only staff see the other application's number
    assert mine["issues"] == [MISSING, INCOMPLETE, same_id]
    assert staffs["precheck_report"]["issues"] == [MISSING, INCOMPLETE, {**same_id, "applications": [other.number]}]
    # the list answers the same as the detail
    listed = f.client_for(owner).get("/api/v1/applications/").json()["results"]
    assert [a["precheck_report"]["issues"] for a in listed if a["id"] == application.pk] == [mine["issues"]]


def test_the_prechecked_notice_names_the_missing_materials(staff, django_capture_on_commit_callbacks):
    owner = f.talent_user()
    application = f.draft(owner)

    submit(owner, application.pk, django_capture_on_commit_callbacks)

    number = Application.objects.get(pk=application.pk).number
    notice = Notification.objects.get(recipient=owner, kind="application.prechecked")
    assert notice.body == (
        f"您的流程测试事项申请（编号 {number}）已完成自动预审，正在等待窗口受理。\n预审发现缺少以下必交材料：申请表；居民身份证"
    )


def test_the_prechecked_notice_has_no_missing_line_when_nothing_is_missing(staff, django_capture_on_commit_callbacks):
    owner = f.talent_user()
    application = f.draft(owner)
    client = f.client_for(owner)
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 201
    assert f.upload(client, application.pk, "id_card", f.pdf_bytes()).status_code == 201

    submit(owner, application.pk, django_capture_on_commit_callbacks)

    number = Application.objects.get(pk=application.pk).number
    notice = Notification.objects.get(recipient=owner, kind="application.prechecked")
    assert notice.body == f"您的流程测试事项申请（编号 {number}）已完成自动预审，正在等待窗口受理。"
