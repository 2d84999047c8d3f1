"""Deadlines in Chinese working days, and the beat job that reminds, escalates and expires.

Every expected date is counted by hand from the State Council's schedule; the comments show the
count. 2026 National Day: 1–7 October off, Saturday 10 October a make-up working day. For a year
the ``chinesecalendar`` library cannot know yet, Monday–Friday counts unless staff enter days
(``CalendarDay``): tested with 2082–2083, whose weekdays are those of 2026–2027 (the calendar
repeats every 28 years).
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from apps.accounts import roles
from apps.core.models import CalendarDay
from apps.core.workdays import add_working_days
from apps.notifications.models import Notification
from apps.workflow import services
from apps.workflow.models import Application, ApplicationEvent, DeadlineNotice
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db

D = dt.date
EVE_OF_NATIONAL_DAY = D(2026, 9, 30)  # a Wednesday


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


@pytest.fixture
def owner(staff):
    return f.talent_user()


def post(account, application_id: int, action: str, body: dict | None = None):
    return f.client_for(account).post(
        f"/api/v1/applications/{application_id}/actions/{action}/", body or {}, format="json"
    )


def on(day: dt.date, account, application_id: int, action: str, body: dict | None = None):
    with f.frozen_today(day):
        response = post(account, application_id, action, body)
    assert response.status_code == 200, response.json()
    return response.json()


def pre_review(owner, staff, code: str = f.SERVICE) -> Application:
    return f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff, code=code)


# --- the decision deadline -------------------------------------------------------------------------


def test_household_registration_accepted_on_the_eve_of_national_day(staff, owner):
    # The seed's own service: 14 working days (down from 20).
    application = pre_review(owner, staff, code="hukou")

    body = on(EVE_OF_NATIONAL_DAY, staff[roles.INTAKE_CLERK], application.pk, "accept")

    # 10-01..10-07 off; 10-08 (1) 10-09 (2) 10-10 Sat make-up (3) 10-12 (4) 13 (5) 14 (6) 15 (7)
    # 16 (8) 19 (9) 20 (10) 21 (11) 22 (12) 23 (13) 26 (14)
    assert body["deadline"] == "2026-10-26"
    assert add_working_days(EVE_OF_NATIONAL_DAY, 14) == D(2026, 10, 26)
    application.refresh_from_db()
    assert (application.deadline, application.clock_started_on, application.working_days_used) == (
        D(2026, 10, 26),
        EVE_OF_NATIONAL_DAY,
        0,
    )
    assert application.accepted_at.date() == EVE_OF_NATIONAL_DAY


def test_returned_stops_the_clock_and_reacceptance_resumes_with_the_days_left(staff, owner):
    application = pre_review(owner, staff)
    assert on(EVE_OF_NATIONAL_DAY, staff[roles.INTAKE_CLERK], application.pk, "accept")["deadline"] == "2026-10-26"

    body = on(D(2026, 10, 12), staff[roles.REVIEWER], application.pk, "return", f.INPUTS["return"])

    assert (body["status"], body["deadline"]) == (Status.RETURNED, None)
    application.refresh_from_db()
    # Used: 10-08, 10-09, 10-10 (make-up), 10-12 = 4 working days; 10 are left.
    assert (application.working_days_used, application.clock_started_on) == (4, None)

    on(D(2026, 10, 13), owner, application.pk, "resubmit")
    services.application_precheck(application_id=application.pk)
    assert Application.objects.get(pk=application.pk).deadline is None

    body = on(D(2026, 10, 14), staff[roles.INTAKE_CLERK], application.pk, "accept")

    # 10 from 10-14: 15 16 19 20 21 22 23 26 27 28
    assert body["deadline"] == "2026-10-28"

    # A second return from pending approval pauses again: 10-15, 10-16 used (6 in all), 8 left.
    on(D(2026, 10, 15), staff[roles.REVIEWER], application.pk, "recommend")
    body = on(D(2026, 10, 16), staff[roles.APPROVER], application.pk, "return", f.INPUTS["return"])
    assert body["deadline"] is None
    assert Application.objects.get(pk=application.pk).working_days_used == 6
    on(D(2026, 10, 16), owner, application.pk, "resubmit")
    services.application_precheck(application_id=application.pk)
    body = on(D(2026, 10, 19), staff[roles.INTAKE_CLERK], application.pk, "accept")
    # 8 from 10-19: 20 21 22 23 26 27 28 29
    assert body["deadline"] == "2026-10-29"


def test_a_return_before_acceptance_uses_no_days(staff, owner):
    application = pre_review(owner, staff)
    on(EVE_OF_NATIONAL_DAY, staff[roles.INTAKE_CLERK], application.pk, "return", f.INPUTS["return"])
    on(D(2026, 10, 9), owner, application.pk, "resubmit")
    services.application_precheck(application_id=application.pk)
    body = on(D(2026, 10, 12), staff[roles.INTAKE_CLERK], application.pk, "accept")
    # The full 14 from 10-12: 13 14 15 16 19 20 21 22 23 26 27 28 29 30
    assert body["deadline"] == "2026-10-30"


@pytest.mark.parametrize(
    ("calendar_days", "expected"),
    [
        # Nothing known for 2082-2083: Mon-Fri. 12-25 (1) 28 (2) 29 (3) 30 (4) 31 (5) | 01-01 Fri (6)
        # 04 (7) 05 (8) 06 (9) 07 (10) 08 (11) 11 (12) 12 (13) 13 (14)
        ({}, D(2083, 1, 13)),
        # Staff enter New Year's Day 2083 as a holiday: one day later.
        ({D(2083, 1, 1): False}, D(2083, 1, 14)),
        # ... and a make-up Saturday, 01-09: back to the 13th (08 (10) 09 (11) 11 (12) 12 (13) 13 (14)).
        ({D(2083, 1, 1): False, D(2083, 1, 9): True}, D(2083, 1, 13)),
    ],
    ids=["weekday-fallback", "new-year-holiday-entered", "holiday-and-make-up-day-entered"],
)
def test_a_deadline_across_a_year_end_the_calendar_does_not_know(staff, owner, calendar_days, expected):
    # 2082-2083: beyond any chinesecalendar release, whatever the pin; weekdays as in 2026-2027.
    assert max(chinese_calendar.constants.holidays).year < 2082
    for day, is_workday in calendar_days.items():
        CalendarDay.objects.create(date=day, is_workday=is_workday, name="2083 元旦")
    application = pre_review(owner, staff)

    body = on(D(2082, 12, 24), staff[roles.INTAKE_CLERK], application.pk, "accept")

    assert body["deadline"] == expected.isoformat()
    assert add_working_days(D(2082, 12, 24), 14) == expected


@pytest.mark.parametrize(("days", "expected"), [(1, D(2026, 10, 8)), (5, D(2026, 10, 13)), (60, D(2026, 12, 29))])
def test_the_supplement_deadline_of_accept_with_missing(staff, owner, days, expected):
    application = pre_review(owner, staff)

    body = on(
        EVE_OF_NATIONAL_DAY,
        staff[roles.INTAKE_CLERK],
        application.pk,
        "accept_with_missing",
        {"missing_materials": ["id_card"], "supplement_days": days},
    )

    # 5: 10-08 (1) 09 (2) 10 (3) 12 (4) 13 (5). 60: October 18 (08 09 10, then 3 full weeks), November
    # 21 (39), December 1-4 (43), 7-11 (48), 14-18 (53), 21-25 (58), 28 (59), 29 (60).
    # The decision deadline runs separately.
    assert body["supplement_deadline"] == expected.isoformat()
    assert add_working_days(EVE_OF_NATIONAL_DAY, days) == expected
    assert body["deadline"] == "2026-10-26"
    assert body["missing_materials"] == ["id_card"]


# --- the beat job ------------------------------------------------------------------------------


def accepted_and_assigned(owner, staff, *, assignee=None) -> Application:
    """Accepted on the eve of National Day (deadline 2026-10-26), assigned to the reviewer."""
    application = pre_review(owner, staff)
    on(EVE_OF_NATIONAL_DAY, staff[roles.INTAKE_CLERK], application.pk, "accept")
    services.applications_assign(
        application_ids=[application.pk],
        assignee=assignee or staff[roles.REVIEWER],
        actor=staff[roles.DISTRICT_ADMIN],
    )
    return Application.objects.get(pk=application.pk)


def notifications(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("id"))


def test_the_assignee_is_reminded_two_working_days_before_the_deadline_once(staff, owner):
    application = accepted_and_assigned(owner, staff)
    assert application.deadline == D(2026, 10, 26)

    # 10-21: two working days ahead is 10-23, before the deadline: nothing yet.
    assert services.deadlines_scan(today=D(2026, 10, 21))["reminders"] == 0
    # 10-22: 10-23 (1), 10-26 (2) reaches the deadline.
    assert services.deadlines_scan(today=D(2026, 10, 22))["reminders"] == 1
    assert services.deadlines_scan(today=D(2026, 10, 22))["reminders"] == 0
    assert services.deadlines_scan(today=D(2026, 10, 23))["reminders"] == 0
    assert services.deadlines_scan(today=D(2026, 10, 26))["reminders"] == 0

    [reminder] = notifications("application.deadline_reminder")
    assert reminder.recipient == staff[roles.REVIEWER]
    assert "2026-10-26" in reminder.body
    # Counted from the scan's day, 10-22, not from the machine's clock.
    assert "还剩2个工作日" in reminder.body, reminder.body
    assert DeadlineNotice.objects.filter(application=application, kind="reminder").count() == 1


def test_no_reminder_without_an_assignee_until_one_is_assigned(staff, owner):
    application = pre_review(owner, staff)
    on(EVE_OF_NATIONAL_DAY, staff[roles.INTAKE_CLERK], application.pk, "accept")
    # accepting assigned the clerk: nobody has it once the assignment is withdrawn
    services.applications_assign(application_ids=[application.pk], assignee=None, actor=staff[roles.DISTRICT_ADMIN])

    assert services.deadlines_scan(today=D(2026, 10, 22))["reminders"] == 0
    services.applications_assign(
        application_ids=[application.pk], assignee=staff[roles.APPROVER], actor=staff[roles.DISTRICT_ADMIN]
    )
    assert services.deadlines_scan(today=D(2026, 10, 23))["reminders"] == 1
    assert [n.recipient for n in notifications("application.deadline_reminder")] == [staff[roles.APPROVER]]


def test_an_overdue_application_is_escalated_to_district_admins_once(staff, owner):
    second_admin = f.user(roles.DISTRICT_ADMIN)
    accepted_and_assigned(owner, staff)

    assert services.deadlines_scan(today=D(2026, 10, 26))["escalations"] == 0  # due today, not overdue
    assert services.deadlines_scan(today=D(2026, 10, 27))["escalations"] == 1
    assert services.deadlines_scan(today=D(2026, 10, 27))["escalations"] == 0
    assert services.deadlines_scan(today=D(2026, 10, 30))["escalations"] == 0

    escalations = notifications("application.overdue_escalation")
    assert sorted(n.recipient_id for n in escalations) == sorted([staff[roles.DISTRICT_ADMIN].pk, second_admin.pk])
    assert all("已超期：1个工作日" in n.body for n in escalations), escalations[0].body


def test_a_new_deadline_after_a_return_gets_its_own_reminder(staff, owner):
    application = accepted_and_assigned(owner, staff)
    assert services.deadlines_scan(today=D(2026, 10, 22))["reminders"] == 1
    on(D(2026, 10, 22), staff[roles.REVIEWER], application.pk, "return", f.INPUTS["return"])
    on(D(2026, 10, 23), owner, application.pk, "resubmit")
    services.application_precheck(application_id=application.pk)
    # Used: 10-08 09 10 12 13 14 15 16 19 20 21 22 = 12 working days, so 2 are left.
    body = on(D(2026, 10, 26), staff[roles.INTAKE_CLERK], application.pk, "accept")
    assert body["deadline"] == "2026-10-28"  # 27 (1) 28 (2)

    assert services.deadlines_scan(today=D(2026, 10, 26))["reminders"] == 1
    assert len(notifications("application.deadline_reminder")) == 2


def test_a_returned_or_decided_application_is_not_reminded_or_escalated(staff, owner):
    application = accepted_and_assigned(owner, staff)
    on(D(2026, 10, 20), staff[roles.REVIEWER], application.pk, "return", f.INPUTS["return"])
    counts = services.deadlines_scan(today=D(2026, 11, 30))
    assert counts == {"reminders": 0, "escalations": 0, "expired": 0}


def accepted_with_missing(owner, staff, missing: list[str]) -> Application:
    application = pre_review(owner, staff)
    on(
        EVE_OF_NATIONAL_DAY,
        staff[roles.INTAKE_CLERK],
        application.pk,
        "accept_with_missing",
        {"missing_materials": missing, "problems": [], "supplement_days": 5},
    )
    application.refresh_from_db()
    assert application.supplement_deadline == D(2026, 10, 13)
    return application


def test_materials_still_missing_after_the_supplement_deadline_reject_the_application(
    staff, owner, django_capture_on_commit_callbacks
):
    application = accepted_with_missing(owner, staff, ["id_card", "photo"])
    with f.frozen_today(D(2026, 10, 12)):
        assert f.upload(f.client_for(owner), application.pk, "photo", f.png_bytes(), "p.png").status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_scan(today=D(2026, 10, 13))["expired"] == 0  # the last day is still in time
    assert Application.objects.get(pk=application.pk).status == Status.UNDER_REVIEW

    with f.frozen_today(D(2026, 10, 14)), django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_scan(today=D(2026, 10, 14))["expired"] == 1
        assert services.deadlines_scan(today=D(2026, 10, 14))["expired"] == 0

    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert application.reject_reason
    assert application.decided_at.date() == D(2026, 10, 14)
    event = ApplicationEvent.objects.get(application=application, action="supplement_expired")
    assert (event.from_status, event.to_status, event.actor) == (Status.UNDER_REVIEW, Status.REJECTED, None)
    [notice] = notifications("application.supplement_overdue_rejected")
    assert notice.recipient == owner
    # The applicant is told which deadline passed and what is still missing.
    assert "2026-10-13" in notice.body, notice.body
    assert "居民身份证" in notice.body, notice.body
    assert "证件照" not in notice.body


def test_supplementing_in_time_prevents_the_rejection(staff, owner, django_capture_on_commit_callbacks):
    application = accepted_with_missing(owner, staff, ["id_card"])
    with f.frozen_today(D(2026, 10, 13)):
        assert f.upload(f.client_for(owner), application.pk, "id_card", f.pdf_bytes()).status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_scan(today=D(2026, 10, 14))["expired"] == 0

    application.refresh_from_db()
    assert (application.status, application.missing_materials, application.supplement_deadline) == (
        Status.UNDER_REVIEW,
        [],
        None,
    )
    assert notifications("application.supplement_overdue_rejected") == []


def test_an_expired_supplement_in_pending_approval_is_rejected_too(staff, owner, django_capture_on_commit_callbacks):
    # Recommending waits for the missing materials now; one recommended before that rule is still
    # swept up by the scan.
    application = accepted_with_missing(owner, staff, ["id_card"])
    Application.objects.filter(pk=application.pk).update(status=Status.PENDING_APPROVAL)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_scan(today=D(2026, 10, 20))["expired"] == 1
    assert Application.objects.get(pk=application.pk).status == Status.REJECTED


def test_a_supplement_after_the_deadline_is_refused_and_the_scan_rejects(
    staff, owner, django_capture_on_commit_callbacks
):
    # The nightly scan may not have run yet on the day after the deadline: the upload itself must
    # not let the applicant slip past it.
    application = accepted_with_missing(owner, staff, ["id_card"])
    with f.frozen_today(D(2026, 10, 13)):  # the last day: still in time
        assert f.upload(f.client_for(owner), application.pk, "photo", f.png_bytes(), "p.png").status_code == 409
    before, files_before = f.snapshot(application.pk), f.stored_files()

    with f.frozen_today(D(2026, 10, 14)):
        response = f.upload(f.client_for(owner), application.pk, "id_card", f.pdf_bytes())

    assert response.status_code == 409, response.content
    assert (f.snapshot(application.pk), f.stored_files()) == (before, files_before)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_scan(today=D(2026, 10, 14))["expired"] == 1
    assert Application.objects.get(pk=application.pk).status == Status.REJECTED
