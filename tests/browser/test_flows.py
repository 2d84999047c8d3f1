"""The portal's main paths in Chromium, as people use them, in both languages and at both widths.

A new talent registers, fills the profile, applies for household registration, uploads and submits;
the intake clerk returns it in the admin; the talent reads the one-time notice on the web, uploads the
missing material and resubmits; the clerk accepts; the talent sees the new status and the
notification. HR applies for a talent of its enterprise and sees its quota bar. Every citizen page on
the way passes axe (no serious or critical WCAG 2.1 AA violation), has no horizontal scroll and shows
no JSON, traceback or admin branding.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from apps.accounts import roles
from apps.core.sms import MemorySmsBackend
from apps.enterprises.services import enterprise_create, enterprise_member_set, quota_set_total
from apps.talents.services import talent_create
from apps.talents.tests.factories import resident_id
from apps.workflow import selectors as workflow_selectors
from apps.workflow import services as workflow_services
from apps.workflow.models import Application, Attachment
from apps.workflow.states import Status
from apps.workflow.tests.factories import png_bytes
from tests.fixtures import PASSWORD
from tests.test_application_flow_helpers import valid_credit_code

LANGUAGES = ("zh-hans", "en")
WIDTHS = (390, 1280)
# The pictures the README shows: the desktop in Chinese, the phone in English.
SCREENSHOT_COMBOS = {("zh-hans", 1280), ("en", 390)}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_seq = itertools.count(1)


def label(language: str, lazy) -> str:
    with translation.override(language):
        return str(lazy)


@pytest.fixture
def check_page(axe_check, assert_no_horizontal_scroll, assert_citizen_page, screenshot):
    """Every citizen page: accessible, fits the phone, a page for people; pictured for the README."""

    def _check(page, language: str, width: int, name: str) -> None:
        assert_citizen_page(page)
        assert_no_horizontal_scroll(page)
        axe_check(page)
        if (language, width) in SCREENSHOT_COMBOS:
            screenshot(page, f"{name}-{language}-{width}")

    return _check


def _pdf(tmp_path, name: str):
    path = tmp_path / name
    path.write_bytes(PDF)
    return str(path)


def _upload(page, material: str, file_path: str) -> None:
    row = page.locator(f"#material-{material}")
    row.locator("input[type=file]").set_input_files(file_path)
    with page.expect_navigation():
        row.locator("button[type=submit]").click()


def _clerk_acts(page_for, login, clerk, language: str, application_id: int, action: str, fill=None) -> None:
    """The intake clerk takes ``action`` in the admin through its action form."""
    page = page_for(language, 1280)
    login(page, clerk.username, PASSWORD)
    page.goto(f"/admin/workflow/application/{application_id}/act/{action}/")
    if fill:
        fill(page)
    with page.expect_navigation():
        page.locator("form.hz-act-form [type=submit]").first.click()
    page.context.close()


@pytest.mark.parametrize("language,width", [(lang, w) for lang in LANGUAGES for w in WIDTHS])
def test_a_new_talent_applies_answers_a_return_and_is_accepted(
    page_for, login, check_page, make_user, tmp_path, language, width
):
    n = next(_seq)
    clerk = make_user(roles.INTAKE_CLERK, username=f"clerk{language[:2]}{width}")
    username = f"newtalent{language[:2]}{width}"
    page = page_for(language, width)

    # the home page leads to registration
    page.goto("/")
    check_page(page, language, width, "home")
    page.goto("/services/hukou/")
    check_page(page, language, width, "service-guide")

    # registers (the password rules are told beside the field)
    page.goto("/accounts/register/")
    check_page(page, language, width, "register")
    page.fill("#id_username", username)
    page.fill("#id_phone", f"1390000{width:04d}"[:11] if language == "zh-hans" else f"1370000{width:04d}"[:11])
    page.fill("#id_password", "short")
    page.fill("#id_password2", "short")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    # a weak password: the error summary links to the field, nothing is created
    assert page.locator(".error-summary a[href='#id_password']").count() >= 1
    assert page.locator("#id_password[aria-invalid=true]").count() == 1
    check_page(page, language, width, "register-errors")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    # enters the code texted to the phone (the live server runs in this process: the test SMS outbox)
    assert urlsplit(page.url).path == "/accounts/register/verify/"
    check_page(page, language, width, "register-verify")
    page.fill("#id_code", re.search(r"\b(\d{6})\b", MemorySmsBackend.outbox[-1].body).group(1))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert urlsplit(page.url).path == "/my/profile/"

    # fills the profile: the phone defaults to the registered one; the ID is masked once saved
    id_number = resident_id(900 + n, region="440105")
    page.fill("#id_name", "王晓芳")
    page.fill("#id_id_number", id_number)
    check_page(page, language, width, "profile")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    html = page.content()
    assert id_number not in html
    assert f"{id_number[:4]}**********{id_number[-4:]}" in html

    # applies for household registration: service fields → materials → check answers → submit
    page.goto("/my/applications/new/?service=hukou")
    check_page(page, language, width, "apply-step1")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    application_id = int(re.search(r"/my/applications/(\d+)/materials/", page.url).group(1))
    _upload(page, "application_form", _pdf(tmp_path, "form.pdf"))
    assert page.locator("#material-application_form .tag--done").count() == 1
    check_page(page, language, width, "apply-materials")
    page.goto(f"/my/applications/{application_id}/review/")
    check_page(page, language, width, "apply-review")
    with page.expect_navigation():
        page.locator("form[action$='/actions/submit/'] button").click()
    assert urlsplit(page.url).path == f"/my/applications/{application_id}/"
    application = Application.objects.get(pk=application_id)
    assert application.status == Status.PRE_REVIEW  # submitted, pre-checked (eager Celery)
    assert application.applicant.user.username == username

    # the clerk returns it in the admin, asking for the ID card only
    def ask_for_id_card(admin_page):
        for box in admin_page.locator("input[name=missing_materials]").all():
            box.uncheck()
        admin_page.locator("input[name=missing_materials][value=id_card]").check()
        admin_page.fill("textarea[name=problems]", "身份证照片不清晰")

    _clerk_acts(page_for, login, clerk, language, application_id, "return", ask_for_id_card)
    assert Application.objects.get(pk=application_id).status == Status.RETURNED

    # the talent reads the one-time notice on the web, uploads exactly what was asked, resubmits
    page.goto(f"/my/applications/{application_id}/")
    notice = page.locator("[aria-labelledby=returned-title]")
    assert notice.count() == 1
    id_card_name = "Resident identity card" if language == "en" else "居民身份证"
    assert id_card_name in notice.inner_text()
    assert "身份证照片不清晰" in notice.inner_text()
    check_page(page, language, width, "returned")
    # the printable 一次性告知书 opens as a page, in the reader's language, saying where to upload
    with page.expect_navigation():
        page.locator(f"a[href='/applications/{application_id}/notices/missing_materials/']").click()
    assert id_card_name in page.locator("body").inner_text()
    assert f"/my/applications/{application_id}/" in page.content()
    check_page(page, language, width, "notice-missing-materials")
    page.goto(f"/my/applications/{application_id}/")
    with page.expect_navigation():
        notice.locator("a.button").click()
    _upload(page, "id_card", _pdf(tmp_path, "id.pdf"))
    assert Attachment.objects.filter(application_id=application_id, material_code="id_card").count() == 1
    # the other required materials come in too (through the service): a plain accept needs them all
    returned = Application.objects.get(pk=application_id)
    for material in workflow_selectors.required_materials_missing(returned):
        workflow_services.attachment_upload(
            application_id=application_id,
            user=returned.submitted_by,
            material_code=material.code,
            upload=SimpleUploadedFile(f"{material.code}.pdf", PDF)
            if "pdf" in material.accepted_types
            else SimpleUploadedFile(f"{material.code}.png", png_bytes()),
        )
    page.goto(f"/my/applications/{application_id}/review/")
    with page.expect_navigation():
        page.locator("form[action$='/actions/resubmit/'] button").click()
    assert Application.objects.get(pk=application_id).status == Status.PRE_REVIEW

    # the clerk accepts
    _clerk_acts(page_for, login, clerk, language, application_id, "accept")
    accepted = Application.objects.get(pk=application_id)
    assert accepted.status == Status.UNDER_REVIEW

    # the talent sees the new status, the deadline and the notification
    page.goto(f"/my/applications/{application_id}/")
    assert page.locator(".tag").first.inner_text() == label(language, Status.UNDER_REVIEW.label)
    assert accepted.deadline.isoformat() in page.content()
    assert clerk.username not in page.content()  # staff appear as a role, never by login name
    check_page(page, language, width, "application")
    page.goto("/my/notifications/")
    accepted_title = "Application accepted" if language == "en" else "申请已受理"
    unread = page.locator("article.notification.unread h2")
    assert any(accepted_title in text for text in unread.all_inner_texts())
    check_page(page, language, width, "notifications")
    page.goto("/my/")
    assert page.locator(f"a[href='/my/applications/{application_id}/']").count() == 1
    check_page(page, language, width, "my-applications")


@pytest.mark.parametrize("language,width", [(lang, w) for lang in LANGUAGES for w in WIDTHS])
def test_hr_applies_for_a_talent_and_sees_its_quota_bar(
    page_for, login, check_page, make_user, tmp_path, language, width
):
    n = next(_seq)
    enterprise = enterprise_create(name="广州琶洲云数科技有限公司", credit_code=valid_credit_code(f"91440105{n:07d}"))
    year = timezone.localdate().year
    quota_set_total(enterprise_id=enterprise.pk, kind="hukou_indicator", year=year, total=5)
    hr = make_user(roles.ENTERPRISE_HR, username=f"hr{language[:2]}{width}")
    enterprise_member_set(user=hr, enterprise=enterprise)
    talent = talent_create(name="陈立新", id_number=resident_id(700 + n), phone=f"1350000{n:04d}", employer=enterprise)

    page = page_for(language, width)
    login(page, hr.username, PASSWORD)
    assert urlsplit(page.url).path == "/hr/"
    bar = page.locator("[role=meter]")
    assert bar.count() == 1
    assert (bar.get_attribute("aria-valuenow"), bar.get_attribute("aria-valuemax")) == ("0", "5")
    check_page(page, language, width, "hr")

    page.goto("/hr/applications/new/?service=hukou")
    page.select_option("#id_talent", str(talent.pk))
    check_page(page, language, width, "hr-apply")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    application_id = int(re.search(r"/hr/applications/(\d+)/materials/", page.url).group(1))
    _upload(page, "application_form", _pdf(tmp_path, "form.pdf"))
    page.goto(f"/hr/applications/{application_id}/review/")
    with page.expect_navigation():
        page.locator("form[action$='/actions/submit/'] button").click()
    application = Application.objects.get(pk=application_id)
    assert (application.submitted_by_id, application.applicant_id) == (hr.pk, talent.pk)
    assert application.status == Status.PRE_REVIEW

    page.goto("/hr/")
    assert page.locator(f"a[href='/hr/applications/{application_id}/']").count() == 1
    check_page(page, language, width, "hr-after")


@pytest.mark.parametrize("language,width", [(lang, w) for lang in LANGUAGES for w in WIDTHS])
def test_the_public_looks_up_an_application(page_for, check_page, make_user, language, width):
    n = next(_seq)
    talent_user = make_user(roles.TALENT, username=f"lookup{language[:2]}{width}")
    talent = talent_create(name="李思", id_number=resident_id(800 + n), phone="13912345678", user=talent_user)
    from apps.workflow import services

    application = services.application_create(user=talent_user, service_code="green_card")
    services.application_act(application_id=application.pk, action="submit", actor=talent_user)
    assert talent.pk == Application.objects.get(pk=application.pk).applicant_id

    page = page_for(language, width)
    page.goto("/lookup/")
    check_page(page, language, width, "lookup")
    page.fill("#id_number", application.number)
    page.fill("#id_phone_last4", "0000")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("[role=alert]").count() == 1  # a wrong phone: not found, nothing told
    page.fill("#id_number", application.number)
    page.fill("#id_phone_last4", "5678")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    result = page.locator(".lookup-result")
    assert application.number in result.inner_text()
    assert "李思" not in page.content()
    check_page(page, language, width, "lookup-result")
