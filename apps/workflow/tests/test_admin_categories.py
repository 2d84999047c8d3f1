"""The staff application page shows the applicant's categories with their verification and
evidence, and a reviewer verifies (or un-verifies) them there (issue 8)."""

from __future__ import annotations

import itertools
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from stdnum.cn import ric

from apps.accounts import roles
from apps.enterprises.services import enterprise_member_set
from apps.talents.models import TalentCategoryHolding, TalentProfileChange
from apps.talents.services import holding_evidence_upload, holding_set, talent_create
from apps.workflow import services
from apps.workflow.models import Application

from . import factories as f

pytestmark = pytest.mark.django_db

_ids = itertools.count(500)


def resident_id() -> str:
    body = f"44010519880808{next(_ids):03d}"
    return body + ric.calc_check_digit(body + "0")


def change_url(app: Application) -> str:
    return f"/admin/workflow/application/{app.pk}/change/"


def verify_url(app: Application, holding: TalentCategoryHolding) -> str:
    return f"/admin/workflow/application/{app.pk}/categories/{holding.pk}/verify/"


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(roles.INTAKE_CLERK),
        "reviewer": make_user(roles.REVIEWER),
        "approver": make_user(roles.APPROVER),
        "finance": make_user(roles.FINANCE),
        "admin": make_user(roles.DISTRICT_ADMIN),
    }


@pytest.fixture
def case(make_user, staff):
    """A talent's submitted green card application: academician verified by the district admin (with
    evidence), shortage self-declared."""
    user = make_user(roles.TALENT)
    talent = talent_create(user=user, actor=user, name="陈院士", id_number=resident_id(), phone="")
    verified = holding_set(
        talent=talent,
        category_code="academician",
        year=2015,
        issuing_body="中国科学院",
        verified=True,
        actor=staff["admin"],
        source="admin",
    )
    evidence = SimpleUploadedFile("cert.pdf", f.pdf_bytes(), content_type="application/pdf")
    verified = holding_evidence_upload(
        talent=talent, category_code="academician", upload=evidence, actor=staff["admin"], verified=True
    )
    declared = holding_set(
        talent=talent, category_code="shortage", year=2019, issuing_body="海珠区人社局", actor=user, source="api"
    )
    app = services.application_create(user=user, service_code="green_card")
    services.application_act(application_id=app.pk, action="submit", actor=user)
    services.application_precheck(application_id=app.pk)
    return {"user": user, "talent": talent, "verified": verified, "declared": declared, "app": app}


def client_as(account) -> Client:
    client = Client()
    if account is not None:
        client.force_login(account)
    return client


def category_rows(html: str) -> list[str]:
    table = re.search(r'<table class="hz-data hz-categories">(.*?)</table>', html, re.S)
    assert table, "no categories table"
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", table[1], re.S)
    ]


def state(holding: TalentCategoryHolding) -> tuple:
    holding.refresh_from_db()
    return (holding.verified, holding.verified_by_id, holding.verified_at, holding.year, holding.issuing_body)


# --- the page ------------------------------------------------------------------------------------


def test_the_reviewer_sees_each_category_with_its_verification_evidence_and_a_button(case, staff):
    html = client_as(staff["reviewer"]).get(change_url(case["app"])).content.decode()

    rows = category_rows(html)
    admin = staff["admin"].username
    assert rows[1].startswith(f"两院院士 2015 中国科学院 ✔ 已核验 区人社局管理员（{admin}） · ")
    assert rows[1].endswith("下载 撤销核验")
    assert rows[2] == "紧缺人才 2019 海珠区人社局 未核验 未上传 核验通过"
    evidence = f"/admin/talents/talent/{case['talent'].pk}/evidence/{case['verified'].pk}/"
    assert f'href="{evidence}"' in html
    assert f'formaction="{verify_url(case["app"], case["declared"])}"' in html
    # the evidence link opens the file for the reviewer
    download = client_as(staff["reviewer"]).get(evidence)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("role", ["clerk", "approver"])
def test_other_staff_see_the_categories_without_the_buttons(case, staff, role):
    html = client_as(staff[role]).get(change_url(case["app"])).content.decode()

    rows = category_rows(html)
    assert rows[2] == "紧缺人才 2019 海珠区人社局 未核验 未上传"
    assert "formaction" not in html


def test_finance_sees_no_evidence_link(case, staff):
    html = client_as(staff["finance"]).get(change_url(case["app"])).content.decode()

    assert category_rows(html)[1].endswith("已上传")
    assert "/evidence/" not in html and "formaction" not in html


def test_an_applicant_without_categories(make_user, staff):
    user = make_user(roles.TALENT)
    talent_create(user=user, actor=user, name="无类别", id_number=resident_id(), phone="")
    app = services.application_create(user=user, service_code="hukou")

    html = client_as(staff["reviewer"]).get(change_url(app)).content.decode()

    assert "未申报人才类别" in html


def test_the_page_costs_the_same_queries_however_many_categories(case, staff, django_assert_max_num_queries):
    client = client_as(staff["reviewer"])
    client.get(change_url(case["app"]))  # warm the session and caches
    with django_assert_max_num_queries(1000) as captured:
        client.get(change_url(case["app"]))
    few = len(captured.captured_queries)
    for code in ("thousand_talents", "ten_thousand_talents", "guangdong_special", "postdoc"):
        holding_set(talent=case["talent"], category_code=code, year=2018, verified=True, actor=staff["approver"])

    with django_assert_max_num_queries(few):
        response = client.get(change_url(case["app"]))

    assert len(category_rows(response.content.decode())) == 1 + 6


# --- verifying -----------------------------------------------------------------------------------


def test_the_reviewer_verifies_a_category_and_the_history_says_who(case, staff):
    holding = case["declared"]
    history = TalentProfileChange.objects.filter(talent=case["talent"]).count()

    response = client_as(staff["reviewer"]).post(verify_url(case["app"], holding), {"verified": "1"})

    assert response.status_code == 302 and response["Location"] == change_url(case["app"])
    verified, by, at, year, body = state(holding)
    assert (verified, by, year, body) == (True, staff["reviewer"].pk, 2019, "海珠区人社局") and at is not None
    change = TalentProfileChange.objects.filter(talent=case["talent"]).first()
    assert TalentProfileChange.objects.filter(talent=case["talent"]).count() == history + 1
    assert (change.actor, change.source) == (staff["reviewer"], "admin")
    assert change.changes == {"category:shortage": ["changed", {"year": 2019, "verified": True}]}
    # the page now shows it verified by the reviewer's role
    rows = category_rows(client_as(staff["reviewer"]).get(change_url(case["app"])).content.decode())
    assert rows[2].startswith(f"紧缺人才 2019 海珠区人社局 ✔ 已核验 审核人员（{staff['reviewer'].username}）")


def test_a_district_admin_takes_a_verification_back(case, staff):
    holding = case["verified"]

    response = client_as(staff["admin"]).post(verify_url(case["app"], holding), {"verified": "0"})

    assert response.status_code == 302
    assert state(holding)[:3] == (False, None, None)
    change = TalentProfileChange.objects.filter(talent=case["talent"]).first()
    assert change.actor == staff["admin"]
    assert change.changes == {"category:academician": ["changed", {"year": 2015, "verified": False}]}


@pytest.mark.parametrize("who", ["anonymous", "talent", "hr", "finance", "clerk", "approver"])
def test_verify_is_refused_to_everyone_else_and_changes_nothing(case, staff, make_user, who):
    accounts = {"anonymous": None, "talent": case["user"], **staff}
    if who == "hr":
        hr = make_user(roles.ENTERPRISE_HR)
        enterprise_member_set(user=hr, enterprise=f.enterprise())
        accounts["hr"] = hr
    holding = case["declared"]
    before, history = state(holding), TalentProfileChange.objects.count()

    response = client_as(accounts[who]).post(verify_url(case["app"], holding), {"verified": "1"})

    assert response.status_code == 403
    assert state(holding) == before and TalentProfileChange.objects.count() == history


def test_verify_by_get_is_refused(case, staff):
    holding = case["declared"]
    before = state(holding)

    response = client_as(staff["reviewer"]).get(verify_url(case["app"], holding), {"verified": "1"})

    assert response.status_code == 403
    assert state(holding) == before


def test_nobody_verifies_a_category_on_their_own_application(make_user, staff):
    reviewer = make_user(roles.TALENT, roles.REVIEWER)
    talent = talent_create(user=reviewer, actor=reviewer, name="自审", id_number=resident_id(), phone="")
    holding = holding_set(talent=talent, category_code="academician", year=2018, actor=reviewer)
    app = services.application_create(user=reviewer, service_code="green_card")

    response = client_as(reviewer).post(verify_url(app, holding), {"verified": "1"})

    assert response.status_code == 403
    assert state(holding)[0] is False


def test_a_holding_of_someone_else_is_not_found_and_bad_input_names_the_field(case, staff, make_user):
    other_user = make_user(roles.TALENT)
    other = talent_create(user=other_user, actor=other_user, name="他人", id_number=resident_id(), phone="")
    foreign = holding_set(talent=other, category_code="academician", year=2018, actor=other_user)
    client = client_as(staff["reviewer"])

    assert client.post(verify_url(case["app"], foreign), {"verified": "1"}).status_code == 404
    assert state(foreign)[0] is False
    missing_app = Application(pk=case["app"].pk + 10_000)
    assert client.post(verify_url(missing_app, case["declared"]), {"verified": "1"}).status_code == 404
    bad = client.post(verify_url(case["app"], case["declared"]), {"verified": "yes"})
    assert bad.status_code == 400 and "verified" in bad.content.decode()
    assert state(case["declared"])[0] is False


def test_the_form_post_needs_the_csrf_token(case, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["reviewer"])

    response = client.post(verify_url(case["app"], case["declared"]), {"verified": "1"})

    assert response.status_code == 403
    assert state(case["declared"])[0] is False
