"""Formal notices: who may see them, when they exist, and what they must say."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from stdnum.cn import ric

from apps.accounts import roles
from apps.core.workdays import add_working_days
from apps.enterprises.services import enterprise_create, enterprise_member_set
from apps.talents.services import talent_create
from apps.workflow import notices, services
from apps.workflow.models import Application, MaterialRequirement
from apps.workflow.tests.factories import upload_required
from tests.test_application_flow_helpers import valid_credit_code

pytestmark = pytest.mark.django_db

_ids = itertools.count(10)


def resident_id() -> str:
    first17 = f"44010519900101{next(_ids):03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # it reads the first 17 of 18


@pytest.fixture
def world(make_user):
    enterprise = enterprise_create(name="琶洲数智科技有限公司", credit_code=valid_credit_code("914401057080001"))
    hr = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=hr, enterprise=enterprise)
    talent_user = make_user(roles.TALENT)
    id_number = resident_id()
    talent = talent_create(
        user=talent_user, name="周明远", id_number=id_number, phone="13912345678", employer=enterprise
    )
    other_user = make_user(roles.TALENT)
    talent_create(user=other_user, name="吴其", id_number=resident_id(), phone="13912340000")
    return SimpleNamespace(
        enterprise=enterprise,
        hr=hr,
        other_hr=make_user(roles.ENTERPRISE_HR),
        talent_user=talent_user,
        talent=talent,
        id_number=id_number,
        other_user=other_user,
        clerk=make_user(roles.INTAKE_CLERK),
        reviewer=make_user(roles.REVIEWER),
        approver=make_user(roles.APPROVER),
    )


def act(app: Application, action: str, actor, **inputs) -> Application:
    return services.application_act(application_id=app.pk, action=action, actor=actor, inputs=inputs)


def submitted(world) -> Application:
    """An application the HR user filed for the talent with every required material, submitted and
    pre-checked."""
    app = services.application_create(user=world.hr, service_code="hukou", talent_id=world.talent.pk)
    upload_required(app, world.hr)
    act(app, "submit", world.hr)
    services.application_precheck(application_id=app.pk)  # after commit in production
    return Application.objects.get(pk=app.pk)


def page(user, app: Application, kind: str):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(notices.notice_url(app.pk, kind))


def names(codes: list[str]) -> list[str]:
    by_code = dict(MaterialRequirement.objects.filter(service__code="hukou").values_list("code", "name"))
    return [by_code[c] for c in codes]


def test_no_notice_before_the_history_has_one(world):
    app = submitted(world)

    assert notices.notices_for(app) == []
    for kind in notices.KINDS:
        assert page(world.talent_user, app, kind).status_code == 404
    assert page(world.talent_user, app, "nonsense").status_code == 404


def test_acceptance_notice_states_the_dates_and_masks_the_resident_id(world):
    app = act(submitted(world), "accept", world.clerk)
    today = timezone.localdate()

    r = page(world.talent_user, app, "acceptance")

    assert r.status_code == 200
    html = r.content.decode()
    assert "受理通知书" in html
    assert app.number in html and "周明远" in html and "人才入户" in html
    assert "14个工作日" in html
    assert f"{today.year}年{today.month}月{today.day}日" in html  # accepted on
    deadline = add_working_days(today, 14)
    assert app.deadline == deadline
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日前作出决定" in html
    assert "广州市海珠区人力资源和社会保障局" in html and "（印章）" in html
    assert world.talent.id_number_masked in html
    assert world.id_number not in html
    # the print layout is the notice's own stylesheet (the CSP allows no inline <style>)
    assert "/static/css/notice.css" in html and "<style" not in html
    stylesheet = (settings.BASE_DIR / "static" / "css" / "notice.css").read_text()
    assert "@media print" in stylesheet and "@page" in stylesheet
    assert "no-store" in r["Cache-Control"]


def test_acceptance_notice_keeps_its_deadline_after_the_decision(world):
    app = act(submitted(world), "accept", world.clerk)
    deadline = app.deadline
    act(app, "recommend", world.reviewer)
    app = act(app, "approve", world.approver)
    assert app.deadline is None  # the clock stopped

    context = notices.notice_build(app, "acceptance")

    assert context["decision_deadline"] == deadline


def test_missing_materials_notice_lists_every_material_by_name_and_every_problem(world, settings):
    settings.PORTAL_BASE_URL = "https://talent.haizhu.gov.cn"
    app = submitted(world)
    missing = ["diploma", "degree_cert", "no_crime_record"]
    problems = ["劳动合同未加盖公章", "社保缴费证明缺少2026年10月记录"]
    app = act(app, "accept_with_missing", world.clerk, missing_materials=missing, problems=problems, supplement_days=5)

    r = page(world.talent_user, app, "missing_materials")

    assert r.status_code == 200
    html = r.content.decode()
    assert "一次性告知书" in html
    section = html[html.index('class="items missing-materials"') : html.index("二、需改正的问题")]
    for name in names(missing):
        assert f"<li>{name}</li>" in section
    assert section.count("<li>") == 3
    for problem in problems:
        assert problem in html
    deadline = app.supplement_deadline
    assert deadline == add_working_days(timezone.localdate(), 5)
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in html
    # how to supplement: on the page of the HR user who applied, as a URL a citizen can type in
    assert f'（<span class="upload-url">https://talent.haizhu.gov.cn/hr/applications/{app.pk}/</span>）' in html
    assert "/api/" not in html
    # The acceptance notice of a 容缺受理 points at it.
    assert "容缺受理" in page(world.talent_user, app, "acceptance").content.decode()


def test_missing_materials_notice_after_a_return_asks_to_resubmit(world):
    app = act(
        submitted(world), "return", world.clerk, missing_materials=["photo", "tax_record"], problems=["照片背景不符"]
    )

    html = page(world.hr, app, "missing_materials").content.decode()

    for name in names(["photo", "tax_record"]):
        assert f"<li>{name}</li>" in html
    assert "照片背景不符" in html and "重新提交" in html
    assert notices.notice_build(app, "missing_materials")["supplement_deadline"] is None


def test_missing_materials_notice_sends_a_talent_who_applied_to_their_own_page(world, settings):
    # given an application the talent filed themselves, returned with a material missing
    settings.PORTAL_BASE_URL = "https://talent.haizhu.gov.cn/"
    app = services.application_create(user=world.talent_user, service_code="hukou")
    act(app, "submit", world.talent_user)
    services.application_precheck(application_id=app.pk)
    app = act(Application.objects.get(pk=app.pk), "return", world.clerk, missing_materials=["photo"])

    # when the talent prints the one-time notice
    html = page(world.talent_user, app, "missing_materials").content.decode()

    # then it tells them the address of their own application page, not the API
    assert f"https://talent.haizhu.gov.cn/my/applications/{app.pk}/" in html
    assert "/hr/" not in html and "/api/" not in html


def test_refusal_at_intake_is_a_decision_not_to_accept_with_reasons_and_appeal_rights(world):
    reason = "申请人不符合引进人才入户条件：社会保险缴费未满6个月。"
    app = act(submitted(world), "reject", world.clerk, reason=reason)

    r = page(world.talent_user, app, "refusal")

    assert r.status_code == 200
    html = r.content.decode()
    assert "不予受理决定书" in html
    assert reason in html
    appeal = html[html.index('class="appeal"') :]
    assert "60日内" in appeal and "广州市海珠区人民政府" in appeal and "行政复议" in appeal
    assert "6个月内" in appeal and "人民法院" in appeal and "行政诉讼" in appeal
    assert page(world.talent_user, app, "acceptance").status_code == 404  # never accepted


def test_refusal_at_approval_is_a_decision_not_to_approve(world):
    app = act(submitted(world), "accept", world.clerk)
    act(app, "recommend", world.reviewer)
    app = act(app, "reject", world.approver, reason="用人单位不在本年度重点企业名录内且无指标。")

    html = page(world.talent_user, app, "refusal").content.decode()

    assert "不予批准决定书" in html and "用人单位不在本年度重点企业名录内且无指标。" in html
    assert "60日内" in html and "6个月内" in html
    assert [n["kind"] for n in notices.notices_for(app)] == ["acceptance", "refusal"]


def test_notice_visibility(world, make_user):
    app = act(submitted(world), "accept", world.clerk)

    assert page(world.talent_user, app, "acceptance").status_code == 200  # the applicant
    assert page(world.hr, app, "acceptance").status_code == 200  # the HR user who submitted it
    assert page(world.clerk, app, "acceptance").status_code == 200  # staff
    assert page(make_user(roles.DISTRICT_ADMIN), app, "acceptance").status_code == 200
    assert page(world.other_user, app, "acceptance").status_code == 404  # another talent
    assert page(world.other_hr, app, "acceptance").status_code == 404  # another enterprise's HR
    assert page(world.other_user, Application(pk=999999), "acceptance").status_code == 404
    anonymous = page(None, app, "acceptance")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_notice_page_accepts_an_api_token(world, client_for):
    app = act(submitted(world), "accept", world.clerk)

    ok = client_for(world.talent_user).get(notices.notice_url(app.pk, "acceptance"))
    other = client_for(world.other_user).get(notices.notice_url(app.pk, "acceptance"))
    bad = Client().get(notices.notice_url(app.pk, "acceptance"), HTTP_AUTHORIZATION="Token nonsense")

    assert ok.status_code == 200 and b"\xe5\x8f\x97\xe7\x90\x86\xe9\x80\x9a\xe7\x9f\xa5\xe4\xb9\xa6" in ok.content
    assert other.status_code == 404
    assert bad.status_code == 302


def test_notices_api_lists_them_for_those_who_may_see_the_application(world, client_for, api_client):
    app = submitted(world)
    app = act(app, "accept_with_missing", world.clerk, missing_materials=["diploma"], supplement_days=3)
    url = f"/api/v1/applications/{app.pk}/notices/"

    r = client_for(world.talent_user).get(url)

    assert r.status_code == 200
    assert r.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {"kind": "acceptance", "title": "受理通知书", "url": f"/applications/{app.pk}/notices/acceptance/"},
            {
                "kind": "missing_materials",
                "title": "一次性告知书",
                "url": f"/applications/{app.pk}/notices/missing_materials/",
            },
        ],
    }
    assert r.json()["results"] == notices.notices_for(app)
    assert client_for(world.hr).get(url).status_code == 200
    assert client_for(world.clerk).get(url).status_code == 200
    assert client_for(world.other_user).get(url).status_code == 404
    assert client_for(world.other_user).get("/api/v1/applications/999999/notices/").status_code == 404
    assert api_client.get(url).status_code == 401


def test_refusal_for_missing_the_supplement_deadline_lists_what_was_not_supplied(world):
    app = act(
        submitted(world),
        "accept_with_missing",
        world.clerk,
        missing_materials=["diploma", "tax_record"],
        supplement_days=2,
    )
    deadline = app.supplement_deadline
    services.deadlines_scan(today=deadline + dt.timedelta(days=1))
    app.refresh_from_db()
    assert app.status == "rejected"

    html = page(world.talent_user, app, "refusal").content.decode()

    assert "不予批准决定书" in html
    for name in names(["diploma", "tax_record"]):
        assert f"<li>{name}</li>" in html
    assert deadline.isoformat() in html
    assert "60日内" in html and "6个月内" in html


def test_a_notice_prints_in_the_readers_language(world):
    # given an accepted application
    app = act(submitted(world), "accept", world.clerk)
    client = Client()
    client.force_login(world.talent_user)

    # when its applicant prints the acceptance notice from an English browser
    html = client.get(notices.notice_url(app.pk, "acceptance"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then the whole notice is English, the dates written the English way, and it says the Chinese text prevails
    deadline = app.deadline
    assert '<html lang="en">' in html and "<h1>Notice of acceptance</h1>" in html
    assert "Human Resources and Social Security Bureau of Haizhu District, Guangzhou" in html
    assert "14 working days (counted from the date of acceptance" in html
    assert f"A decision will be made by {deadline.day} {deadline:%B} {deadline.year}" in html
    assert "the Chinese text of this notice is the authoritative one" in html
    # Chinese is left only in the records' own data: the document number (文号) and the names
    body = html[html.index("<body>") :]  # the style sheet names Chinese fonts
    leftover = re.sub(r"海人社受〔\d{4}〕\d+号|周明远|琶洲数智科技有限公司", "", body)
    assert not re.search(r"[\u4e00-\u9fff]", leftover)
    # and the API lists it under its English title for an English reader
    listed = client.get(f"/api/v1/applications/{app.pk}/notices/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [n["title"] for n in listed["results"]] == ["Notice of acceptance"]
