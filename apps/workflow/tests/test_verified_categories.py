"""Every service's category eligibility reads verified holdings only (issue 8): the pre-check and
the re-check at approval, for a service with no steps of its own (the subsidy)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from apps.accounts import roles
from apps.core.exceptions import Conflict
from apps.talents.models import Talent
from apps.talents.services import holding_set
from apps.workflow import selectors, services
from apps.workflow.models import Application

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return f.staff_users()


def subsidy_under_review(account, staff) -> Application:
    """The subsidy (eligible: high-level and district categories) with every required material,
    submitted, pre-checked and accepted."""
    app = f.draft(account, code="subsidy")
    for material in app.service.materials.filter(required=True):
        png = "pdf" not in material.accepted_types
        upload = SimpleUploadedFile(
            f"{material.code}.{'png' if png else 'pdf'}", f.png_bytes() if png else f.pdf_bytes()
        )
        services.attachment_upload(application_id=app.pk, user=account, material_code=material.code, upload=upload)
    services.application_act(application_id=app.pk, action="submit", actor=account)
    services.application_precheck(application_id=app.pk)
    services.application_act(application_id=app.pk, action="accept", actor=staff[roles.INTAKE_CLERK])
    return Application.objects.get(pk=app.pk)


def talent_of(account) -> Talent:
    return Talent.objects.get(user=account)


def test_a_declared_category_makes_nobody_eligible_and_the_approval_refuses(staff):
    # given a talent holding only a self-declared academician
    owner = f.talent_user()
    holding_set(talent=talent_of(owner), category_code="academician", year=2018, actor=owner)

    app = subsidy_under_review(owner, staff)

    # then the pre-check reports both: not eligible, and which category waits for verification
    codes = [issue["code"] for issue in app.precheck_report["issues"]]
    assert "not_eligible" in codes and "categories_unverified" in codes
    services.application_act(application_id=app.pk, action="recommend", actor=staff[roles.REVIEWER])
    snapshot = f.snapshot(app.pk)
    with pytest.raises(Conflict) as refused:
        services.application_act(application_id=app.pk, action="approve", actor=staff[roles.APPROVER])
    assert str(refused.value.detail) == (
        "申请人没有经核验的、属于本事项申请范围的人才类别；类别『两院院士』尚未核验，核验前不计入资格"
    )
    assert f.snapshot(app.pk) == snapshot


def test_a_verified_category_passes_the_approval(staff):
    owner = f.talent_user()
    admin = staff[roles.DISTRICT_ADMIN]
    holding_set(talent=talent_of(owner), category_code="academician", year=2018, verified=True, actor=admin)

    app = subsidy_under_review(owner, staff)
    services.application_act(application_id=app.pk, action="recommend", actor=staff[roles.REVIEWER])
    approved = services.application_act(application_id=app.pk, action="approve", actor=staff[roles.APPROVER])

    assert approved.status == "approved"
    codes = [issue["code"] for issue in app.precheck_report["issues"]]
    assert "not_eligible" not in codes and "categories_unverified" not in codes


def test_a_service_open_to_everyone_ignores_categories(staff):
    owner = f.talent_user()
    holding_set(talent=talent_of(owner), category_code="academician", year=2018, actor=owner)
    f.service()  # the tests' own service: no eligible categories
    app = f.application_in("under_review", applicant=owner, staff=staff)

    assert selectors.category_eligibility_refusal(app) is None
    assert selectors.unverified_categories_issue(app) is None


def test_the_report_names_the_categories_in_the_readers_language(staff):
    owner = f.talent_user()
    holding_set(talent=talent_of(owner), category_code="academician", year=2018, actor=owner)
    holding_set(talent=talent_of(owner), category_code="thousand_talents", year=2018, actor=owner)
    app = subsidy_under_review(owner, staff)

    with translation.override("zh-hans"):
        shown = selectors.precheck_report_shown(app.precheck_report)
    with translation.override("en"):
        english = selectors.precheck_report_shown(app.precheck_report)

    issue = next(i for i in shown["issues"] if i["code"] == "categories_unverified")
    assert issue == {
        "code": "categories_unverified",
        "unverified_categories": ["academician", "thousand_talents"],
        "message": '类别『两院院士、国家"千人计划"』尚未核验，核验前不计入资格',
    }
    # untranslated yet (the lead translates at the end), but the names are the English ones
    english_issue = next(i for i in english["issues"] if i["code"] == "categories_unverified")
    assert "Academician (CAS/CAE)" in english_issue["message"]
    assert "National Thousand Talents Plan" in english_issue["message"]
    assert "两院院士" not in english_issue["message"]


def test_the_applicants_page_says_which_categories_wait_until_staff_verify_them(staff, client):
    # given a talent's open subsidy application on a self-declared academician
    owner = f.talent_user()
    holding = holding_set(talent=talent_of(owner), category_code="academician", year=2018, actor=owner)
    app = subsidy_under_review(owner, staff)
    client.force_login(owner)

    # then their page names it as waiting for verification
    page = client.get(f"/my/applications/{app.pk}/").content.decode()
    assert "类别『两院院士』尚未核验，核验前不计入资格" in page

    # and once a reviewer has verified it, it no longer does
    services.application_category_verify(
        application_id=app.pk, holding_id=holding.pk, verified=True, actor=staff[roles.REVIEWER]
    )
    page = client.get(f"/my/applications/{app.pk}/").content.decode()
    assert "尚未核验" not in page and "人才类别待核验" not in page
