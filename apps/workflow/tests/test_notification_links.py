"""Every link a notification carries opens a page for its recipient's side of the portal, never the API:
the talent's ``/my/`` page, the ``/hr/`` page of the HR user who applied for them, the admin for staff."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.accounts import roles
from apps.notifications.models import Notification
from apps.workflow import links, notifying, services
from apps.workflow.models import ApplicationEvent
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


def test_the_talent_and_the_hr_user_who_applied_are_each_told_once_with_their_own_page(
    staff, settings, django_capture_on_commit_callbacks
):
    # given an HR user who filed an application for an employee
    settings.PORTAL_BASE_URL = "https://talent.haizhu.gov.cn"
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    application = f.draft(hr, talent_id=employee.talent_profile.pk)
    mail.outbox.clear()

    # when the HR user submits it
    with django_capture_on_commit_callbacks(execute=True):
        f.act(application.pk, "submit", hr)

    # then each of them is told once, with the page of their own side
    event = ApplicationEvent.objects.get(application=application, action="submit")
    told = Notification.objects.filter(event_key=f"application-event:{event.pk}").order_by("recipient_id")
    assert sorted((n.recipient_id, n.kind, n.link) for n in told) == sorted(
        [
            (hr.pk, "application.submitted", f"/hr/applications/{application.pk}/"),
            (employee.pk, "application.submitted", f"/my/applications/{application.pk}/"),
        ]
    )
    # and their e-mails carry the absolute address of that page
    submitted_mails = {m.to[0]: m.body for m in mail.outbox if m.subject == "申请已提交"}
    assert set(submitted_mails) == {hr.email, employee.email}
    assert f"https://talent.haizhu.gov.cn/hr/applications/{application.pk}/" in submitted_mails[hr.email]
    assert f"https://talent.haizhu.gov.cn/my/applications/{application.pk}/" in submitted_mails[employee.email]
    assert not any("/api/" in m.body for m in mail.outbox)


def test_a_talent_who_applied_themselves_gets_their_own_page(staff, django_capture_on_commit_callbacks):
    owner = f.talent_user()
    with django_capture_on_commit_callbacks(execute=True):
        application = f.application_in(Status.UNDER_REVIEW, applicant=owner, staff=staff)

    sent = list(Notification.objects.filter(recipient=owner).values_list("link", flat=True))

    assert len(sent) == 3  # submitted, pre-checked, accepted
    assert set(sent) == {f"/my/applications/{application.pk}/"}


def test_deadline_notices_send_staff_to_the_admin(staff):
    owner = f.talent_user()
    application = f.application_in(Status.UNDER_REVIEW, applicant=owner, staff=staff)
    reviewer = staff[roles.REVIEWER]

    notifying.notify_deadline(application, kind="reminder", recipients=[reviewer])

    notice = Notification.objects.get(recipient=reviewer, kind="application.deadline_reminder")
    assert notice.link == f"/admin/workflow/application/{application.pk}/change/"


def test_application_path_for_each_side(staff):
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    by_hr = services.application_create(user=hr, service_code=f.SERVICE, talent_id=employee.talent_profile.pk)
    own = f.draft(employee)

    assert links.application_path_for(hr, by_hr) == f"/hr/applications/{by_hr.pk}/"
    assert links.application_path_for(employee, by_hr) == f"/my/applications/{by_hr.pk}/"
    assert links.application_path_for(staff[roles.INTAKE_CLERK], by_hr) == (
        f"/admin/workflow/application/{by_hr.pk}/change/"
    )
    assert links.applicant_application_path(by_hr) == f"/hr/applications/{by_hr.pk}/"
    assert links.applicant_application_path(own) == f"/my/applications/{own.pk}/"
