"""Talents and HR never see a staff member's login name on an application (events, assignee,
submitted_by): they see a role label ("受理人员", "审核人员", "审批人员", "工作人员"). Staff still see
usernames."""

from __future__ import annotations

import json

import pytest

from apps.accounts import roles
from apps.workflow import services
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

STAFF_NAMES = {
    roles.INTAKE_CLERK: "clerk_zhangwei_7731",
    roles.REVIEWER: "reviewer_liqiang_5521",
    roles.APPROVER: "approver_wangmin_9902",
    roles.FINANCE: "finance_zhaolei_3310",
    roles.DISTRICT_ADMIN: "admin_sunli_4407",
}


@pytest.fixture
def staff():
    return {role: f.user(role, username=name) for role, name in STAFF_NAMES.items()}


@pytest.fixture
def filed(staff):
    """An HR user files for their enterprise's talent; intake accepts, review recommends, and the
    admin assigns it to the approver. The talent also has a returned application of their own."""
    f.service()
    f.service("wf_other")
    company = f.enterprise()
    hr = f.hr_user(company)
    talent = f.talent_user(employer=company)
    by_hr = f.drive(f.draft(hr, talent_id=talent.talent_profile.pk), Status.PENDING_APPROVAL, applicant=hr, staff=staff)
    services.applications_assign(
        application_ids=[by_hr.pk], assignee=staff[roles.APPROVER], actor=staff[roles.DISTRICT_ADMIN]
    )
    own = f.drive(f.draft(talent, code="wf_other"), Status.RETURNED, applicant=talent, staff=staff)
    return talent, hr, by_hr, own


def _everything_seen(client, application_ids) -> list[dict]:
    pages = [client.get("/api/v1/applications/?page_size=100")]
    for pk in application_ids:
        pages += [client.get(f"/api/v1/applications/{pk}/"), client.get(f"/api/v1/applications/{pk}/events/")]
    assert [p.status_code for p in pages] == [200] * len(pages)
    return [p.json() for p in pages]


def test_a_talent_and_the_filing_hr_never_see_a_staff_username(filed):
    talent, hr, by_hr, own = filed
    for account, ids in ((talent, [by_hr.pk, own.pk]), (hr, [by_hr.pk])):
        text = json.dumps(_everything_seen(f.client_for(account), ids), ensure_ascii=False)
        for name in STAFF_NAMES.values():
            assert name not in text, (account.username, name)


def test_the_talent_sees_role_labels_in_the_timeline(filed):
    talent, hr, by_hr, own = filed
    client = f.client_for(talent)

    events = client.get(f"/api/v1/applications/{by_hr.pk}/events/").json()["results"]
    actors = {e["action"]: e["actor"] for e in events}

    assert actors["create"] == "申请人"  # the HR user who filed it: the applicant side, not a login name
    assert actors["submit"] == "申请人"
    assert actors["precheck"] is None  # the system
    assert actors["accept"] == "受理人员"
    assert actors["recommend"] == "审核人员"
    assert actors["assign"] == "工作人员"
    # accepting assigned the clerk, then an admin assigned the approver: never a login name
    assert [e["data"] for e in events if e["action"] == "assign"] == [{}, {}]
    own_events = client.get(f"/api/v1/applications/{own.pk}/events/").json()["results"]
    assert {e["action"]: e["actor"] for e in own_events}["submit"] == talent.username  # their own name is fine
    assert {e["action"]: e["actor"] for e in own_events}["return"] == "受理人员"


def test_non_staff_see_the_assignee_as_a_role_and_the_filer_as_themselves_or_the_applicant(filed):
    talent, hr, by_hr, own = filed

    seen_by_talent = f.client_for(talent).get(f"/api/v1/applications/{by_hr.pk}/").json()
    seen_by_hr = f.client_for(hr).get(f"/api/v1/applications/{by_hr.pk}/").json()

    assert seen_by_talent["assignee"] == "审批人员"
    assert seen_by_talent["submitted_by"] == "申请人"
    assert seen_by_hr["assignee"] == "审批人员"
    assert seen_by_hr["submitted_by"] == hr.username


def test_staff_still_see_usernames(filed, staff):
    talent, hr, by_hr, own = filed
    client = f.client_for(staff[roles.REVIEWER])

    detail = client.get(f"/api/v1/applications/{by_hr.pk}/").json()
    events = client.get(f"/api/v1/applications/{by_hr.pk}/events/").json()["results"]

    assert detail["assignee"] == STAFF_NAMES[roles.APPROVER]
    assert detail["submitted_by"] == hr.username
    actors = {e["action"]: e["actor"] for e in events}
    assert actors["accept"] == STAFF_NAMES[roles.INTAKE_CLERK]
    assert actors["recommend"] == STAFF_NAMES[roles.REVIEWER]
    assert actors["assign"] == STAFF_NAMES[roles.DISTRICT_ADMIN]
    assert actors["create"] == hr.username
    assert [e["data"] for e in events if e["action"] == "assign"] == [
        {"assignee": STAFF_NAMES[roles.INTAKE_CLERK]},  # accepting assigned the clerk
        {"assignee": STAFF_NAMES[roles.APPROVER]},
    ]
