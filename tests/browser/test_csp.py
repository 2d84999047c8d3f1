"""The Content-Security-Policy holds in a real browser: the portal's main pages, the printable notice,
the staff dashboard, the Django admin and the API docs load without a single violation (no inline
script or style left on our pages, and what the admin and Swagger UI need is in their own relaxed
policy), and the policy is really sent and enforced."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts import roles
from apps.enterprises.models import Quota
from apps.talents.services import talent_create
from apps.workflow import services as workflow_services
from apps.workflow.states import Status
from apps.workflow.tests import factories as f
from tests.fixtures import PASSWORD


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None,
    )
    # Also the DOM's own report of each violation (not every one reaches the console).
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + (e.blockedURI || 'inline') +"
        "' at ' + e.sourceFile + ':' + e.lineNumber));"
    )
    return found


def _visit(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    assert "default-src 'self'" in response.headers.get("content-security-policy", ""), path
    page.wait_for_load_state("networkidle")


@pytest.fixture
def people(live_portal):
    """A talent with an accepted application (its acceptance notice printable), its enterprise's HR
    with a quota, and the intake clerk."""
    service = f.service()
    enterprise = f.enterprise()
    Quota.objects.create(enterprise=enterprise, kind="hukou_indicator", year=timezone.localdate().year, total=8, used=3)
    talent = f.user(roles.TALENT)
    profile = talent_create(user=talent, actor=None, name="李华", employer=enterprise)
    staff = f.staff_users()
    application = f.draft(talent, code=service.code)
    for material, content, name in (
        ("application_form", f.pdf_bytes(), "form.pdf"),
        ("id_card", f.png_bytes(), "id.png"),
    ):
        workflow_services.attachment_upload(
            application_id=application.pk, user=talent, material_code=material, upload=SimpleUploadedFile(name, content)
        )
    application = f.drive(application, Status.UNDER_REVIEW, applicant=talent, staff=staff)
    return {
        "talent": talent,
        "profile": profile,
        "hr": f.hr_user(enterprise),
        "staff": staff,
        "application": application,
    }


def test_the_portal_pages_load_without_a_csp_violation(page_for, login, people):
    page = page_for("zh-hans", 1280)
    violations = _violations(page)

    for path in ("/", "/accounts/login/", "/services/", "/lookup/", "/api/v1/docs/"):
        _visit(page, path)

    login(page, people["talent"].username, PASSWORD)
    application = people["application"]
    for path in (
        "/my/",
        f"/my/applications/{application.pk}/",
        "/my/profile/",
        "/my/notifications/",
        f"/applications/{application.pk}/notices/acceptance/",
    ):
        _visit(page, path)
    page.locator("[data-print]").wait_for()  # the print button is there, wired by portal.js

    hr_page = page_for("en", 390)
    hr_violations = _violations(hr_page)
    login(hr_page, people["hr"].username, PASSWORD)
    _visit(hr_page, "/hr/")
    assert hr_page.locator(".bar span.pct-38").count() == 1  # 3 of 8 used: the bar's length as a class

    staff_page = page_for("zh-hans", 1280)
    staff_violations = _violations(staff_page)
    login(staff_page, people["staff"][roles.DISTRICT_ADMIN].username, PASSWORD)
    for path in ("/admin/", "/admin/workflow/application/", f"/admin/workflow/application/{application.pk}/change/"):
        _visit(staff_page, path)
    _visit(staff_page, "/dashboard/")

    assert violations + hr_violations + staff_violations == []


def test_an_inline_script_is_refused_by_the_browser(page_for, live_portal):
    page = page_for("zh-hans", 1280)
    violations = _violations(page)
    _visit(page, "/")

    # What an injected <script> would do: the policy stops it and the browser reports it.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
        " document.body.appendChild(s); }"
    )

    assert page.evaluate("() => window.__ran === undefined")
    assert any("script-src" in v for v in violations), violations
