"""Queue order, assignment of finished applications, and recovery when the broker is down at commit."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from apps.accounts import roles
from apps.workflow import selectors, services
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _service():
    f.service()


@pytest.fixture
def staff():
    return f.staff_users()


def test_a_submit_answers_even_when_the_broker_is_down_and_the_sweep_prechecks_later(
    django_capture_on_commit_callbacks,
):
    # given a draft, and a broker that refuses every message
    owner = f.talent_user()
    application = f.draft(owner)
    client = f.client_for(owner)
    with mock.patch("apps.workflow.tasks.application_precheck.delay", side_effect=ConnectionError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/api/v1/applications/{application.pk}/actions/submit/", {}, format="json")
    # then the submit still answers 200 and the application waits in submitted
    assert response.status_code == 200
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED

    # when the sweep runs before 5 minutes have passed, it leaves it alone
    assert services.prechecks_sweep() == 0
    # and once it is older, the sweep pre-checks it, once
    Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=6))
    assert services.prechecks_sweep() == 1
    assert services.prechecks_sweep() == 0
    application.refresh_from_db()
    assert application.status == Status.PRE_REVIEW
    assert application.precheck_report["ok"] is False
    assert list(
        ApplicationEvent.objects.filter(application=application, action="precheck").values_list("to_status", flat=True)
    ) == [Status.PRE_REVIEW]


def test_bulk_assign_skips_finished_applications(staff):
    # given one application under review and one withdrawn
    live = f.application_in(Status.UNDER_REVIEW, staff=staff)
    owner = f.talent_user(name="王芳")
    gone = f.application_in(Status.WITHDRAWN, applicant=owner, staff=staff)
    # when an admin assigns both to a reviewer
    count = services.applications_assign(
        application_ids=[live.pk, gone.pk], assignee=staff[roles.REVIEWER], actor=staff[roles.DISTRICT_ADMIN]
    )
    # then only the live one is assigned and has an assign event
    assert count == 1
    assert Application.objects.get(pk=live.pk).assignee == staff[roles.REVIEWER]
    assert Application.objects.get(pk=gone.pk).assignee is None
    assert not ApplicationEvent.objects.filter(application=gone, action="assign").exists()


def test_the_queue_puts_green_card_holders_first_then_deadline_and_no_deadline_last(staff):
    # given: pre_review (no deadline yet), two under review with different deadlines, one by a green-card holder
    waiting = f.application_in(Status.PRE_REVIEW, staff=staff)
    early = f.application_in(Status.UNDER_REVIEW, applicant=f.talent_user(name="甲"), staff=staff)
    late = f.application_in(Status.UNDER_REVIEW, applicant=f.talent_user(name="乙"), staff=staff)
    Application.objects.filter(pk=early.pk).update(deadline=dt.date(2026, 12, 1))
    Application.objects.filter(pk=late.pk).update(deadline=dt.date(2026, 12, 20))
    holder = f.application_in(Status.UNDER_REVIEW, applicant=f.talent_user(name="丙"), staff=staff)
    Application.objects.filter(pk=holder.pk).update(priority=1, deadline=dt.date(2026, 12, 30))
    # when the "all" queue is read
    order = list(selectors.staff_queue(staff[roles.REVIEWER]).values_list("pk", flat=True))
    # then
    assert order == [holder.pk, early.pk, late.pk, waiting.pk]
