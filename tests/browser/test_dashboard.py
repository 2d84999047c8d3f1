"""The staff dashboard in Chromium: its four ECharts charts drawn from the page's own data, in both
languages, at 1280 px (readable) and on a phone (no horizontal scroll), reached from the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts import roles
from apps.core.workdays import add_working_days
from apps.enterprises.models import Quota
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.talents.tests.factories import TalentFactory, hold
from apps.workflow.models import Application, ServiceDefinition
from tests.fixtures import PASSWORD

CHARTS = ("chart-categories", "chart-applications", "chart-deadlines", "chart-quotas")


@pytest.fixture
def figures(make_user):
    today = timezone.localdate()
    submitter = make_user(roles.TALENT)
    for codes in (("academician",), ("thousand_talents", "postdoc"), ("guangdong_special",), ("shortage",)):
        hold(TalentFactory(), *codes)
    plan = [
        ("hukou", "pre_review", None),
        ("hukou", "under_review", today - dt.timedelta(days=2)),
        ("hukou", "pending_approval", add_working_days(today, 1)),
        ("hukou", "completed", today - dt.timedelta(days=40)),
        ("green_card", "under_review", add_working_days(today, 2)),
        ("green_card", "approved", today + dt.timedelta(days=9)),
        ("subsidy", "returned", None),
        ("apartment", "draft", None),
    ]
    for code, status, deadline in plan:
        Application.objects.create(
            service=ServiceDefinition.objects.get(code=code),
            applicant=TalentFactory(),
            submitted_by=submitter,
            status=status,
            deadline=deadline,
        )
    enterprise = EnterpriseFactory()
    Quota.objects.create(enterprise=enterprise, kind=Quota.Kind.HUKOU_INDICATOR, year=today.year, total=6, used=4)
    Quota.objects.create(enterprise=enterprise, kind=Quota.Kind.SCHOOL_PLACE, year=today.year, total=3, used=1)
    return make_user(roles.APPROVER)


def chart_sizes(page) -> dict[str, dict]:
    return page.evaluate(
        """(ids) => Object.fromEntries(ids.map((id) => {
            const drawn = document.querySelector('#' + id + ' svg, #' + id + ' canvas');
            const box = drawn ? drawn.getBoundingClientRect() : {width: 0, height: 0};
            return [id, {width: box.width, height: box.height,
                         marks: document.querySelectorAll('#' + id + ' svg path, #' + id + ' svg rect').length,
                         text: document.querySelector('#' + id) ? document.querySelector('#' + id).textContent : ''}];
        }))""",
        list(CHARTS),
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboard_draws_its_charts(
    page_for, login, axe_check, assert_no_horizontal_scroll, screenshot, figures, language
):
    page = page_for(language, 1280)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    # The page's Content-Security-Policy (no inline script or style) must not have to refuse anything.
    page.add_init_script(
        "window.cspViolations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    login(page, figures.username, PASSWORD)

    page.goto("/dashboard/")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} svg")
    sizes = chart_sizes(page)

    for chart, size in sizes.items():
        assert size["width"] > 400 and size["height"] > 250, (chart, size)  # two per row at 1280 px
        assert size["marks"] > 5, (chart, size)
    # Names, not codes, in the reader's language
    if language == "en":
        assert "Household registration" in sizes["chart-applications"]["text"]
        assert "Used" in sizes["chart-quotas"]["text"] or "used" in sizes["chart-quotas"]["text"].lower()
    else:
        assert "人才入户" in sizes["chart-applications"]["text"]
        assert "两院院士" in sizes["chart-categories"]["text"]
        assert "待审批" in sizes["chart-applications"]["text"]
    for code in ("hukou", "pending_approval", "hukou_indicator"):
        assert code not in page.inner_text("main")
    assert errors == []
    assert page.evaluate("window.cspViolations") == []
    assert "script-src 'self'" in page.request.get("/dashboard/").headers["content-security-policy"]
    axe_check(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, f"dashboard-{language}-1280")


def test_the_dashboard_fits_a_phone(page_for, login, assert_no_horizontal_scroll, figures):
    page = page_for("zh-hans", 390)
    login(page, figures.username, PASSWORD)

    page.goto("/dashboard/")
    page.wait_for_selector("#chart-quotas svg")

    assert_no_horizontal_scroll(page)
    assert all(size["width"] > 250 for size in chart_sizes(page).values())


def test_the_admin_links_to_the_dashboard(page_for, login, make_user):
    admin_user = make_user(roles.DISTRICT_ADMIN)
    page = page_for("zh-hans", 1280)
    login(page, admin_user.username, PASSWORD)

    page.goto("/admin/")
    page.locator("#user-tools a[href='/dashboard/']").click()

    page.wait_for_selector("#chart-categories svg")
    assert page.url.endswith("/dashboard/")
