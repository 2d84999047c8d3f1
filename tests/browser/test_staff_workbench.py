"""The clerk's workday in a real Chromium at 1280 px: the application queue with the admin's sidebar
open shows every column that matters on screen, and the admin index shows "my work"."""

from __future__ import annotations

import pytest

from apps.accounts import roles
from apps.talents.services import talent_create
from apps.workflow import services
from apps.workflow.tests.factories import upload_required
from apps.workflow.tests.test_admin import resident_id
from tests.fixtures import PASSWORD

COLUMNS = (
    "number",
    "service_name",
    "applicant_name",
    "status_display",
    "deadline_display",
    "supplement_deadline_display",
    "assignee_name",
)


def _applications(make_user, clerk) -> None:
    """Open applications of several services: a green-card holder's, accepted ones with deadlines,
    one accepted with a material missing (a supplement deadline), and new ones unassigned."""
    plan = [
        ("hukou", "欧阳志远", True, "accept"),
        ("green_card", "司马相如", False, "accept_with_missing"),
        ("subsidy", "李华", False, "accept"),
        ("hukou", "陈静怡", False, None),
        ("school_place", "王小明", False, None),
    ]
    for service, name, green, action in plan:
        user = make_user(roles.TALENT)
        talent_create(user=user, name=name, id_number=resident_id(), phone=None, is_green_card_holder=green)
        app = services.application_create(user=user, service_code=service)
        upload_required(app, user)
        services.application_act(application_id=app.pk, action="submit", actor=user)
        services.application_precheck(application_id=app.pk)
        if action == "accept":
            services.application_act(application_id=app.pk, action="accept", actor=clerk)
        elif action:
            code = app.service.materials.filter(required=True).values_list("code", flat=True).first()
            services.application_act(
                application_id=app.pk,
                action=action,
                actor=clerk,
                inputs={"missing_materials": [code], "problems": [], "supplement_days": 5},
            )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_queue_fits_1280_with_the_sidebar_open_and_the_index_shows_my_work(
    page_for, login, screenshot, make_user, language
):
    clerk = make_user(roles.INTAKE_CLERK, username=f"clerk_{language.replace('-', '_')}")
    _applications(make_user, clerk)
    page = page_for(language, 1280)
    login(page, clerk.username, PASSWORD)

    page.goto("/admin/workflow/application/")

    screenshot(page, f"admin-queue-{language}-1280")
    assert page.locator("#nav-sidebar").is_visible()  # the sidebar is open
    assert page.locator("#result_list tbody tr").count() == 5
    viewport = page.viewport_size
    results = page.locator("#changelist .results")
    # nothing hidden inside the list's own scroll box either
    assert results.evaluate("el => el.scrollWidth <= el.clientWidth"), results.evaluate(
        "el => [el.scrollWidth, el.clientWidth]"
    )
    right_edge = min(viewport["width"], results.bounding_box()["x"] + results.bounding_box()["width"])
    for column in COLUMNS:
        header = page.locator(f"#result_list th.column-{column}")
        box = header.bounding_box()
        assert box is not None, column
        assert box["x"] >= 0 and box["x"] + box["width"] <= right_edge, (column, box)
        cell = page.locator(f"#result_list tbody .field-{column}").first  # th for the linked number
        cell_box = cell.bounding_box()
        assert cell_box and cell_box["x"] + cell_box["width"] <= right_edge, (column, cell_box)
    badge = page.locator("#result_list .hz-badge-green")
    assert badge.count() == 1
    badge_box = badge.bounding_box()
    assert badge_box and badge_box["x"] + badge_box["width"] <= viewport["width"]
    # the deadline tells the working days left; the clerk's name is in the assignee column
    assert page.locator("#result_list td.field-deadline_display small").count() == 3
    assert page.locator("#result_list td.field-assignee_name", has_text=clerk.username).count() == 3
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]

    page.goto("/admin/")
    screenshot(page, f"admin-index-{language}-1280")
    work = page.locator("#my-work")
    assert work.is_visible()
    counts = {
        link.get_attribute("data-queue"): int(link.locator(".hz-count").inner_text())
        for link in work.locator("a[data-queue]").all()
    }
    assert counts == {"mine": 3, "unassigned": 2, "due_soon": 0, "overdue": 0}

    # each count opens its queue
    with page.expect_navigation():
        work.locator("a[data-queue='unassigned']").click()
    assert page.locator("#result_list tbody tr").count() == 2
