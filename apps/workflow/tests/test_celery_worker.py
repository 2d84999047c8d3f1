"""A real Celery worker on the Redis broker runs the pre-check and delivers the notices.

Skipped without REDIS_URL on a developer's machine, a failure under CI=true (see conftest.py). Eager
mode is turned off through Django's settings (``CELERY_TASK_ALWAYS_EAGER`` wins over ``app.conf``),
so the submit only queues the tasks: the test sees them waiting, then starts the worker and checks
each task ran on the worker's thread, not the test's. The worker runs in a thread of this process,
so it uses Django's connection settings as the tests have them: it reads and writes the test
database (``test_<name>``), not the real one.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail

from apps.notifications.models import DeliveryStatus, Notification
from apps.workflow import tasks
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status
from talentportal.celery import app
from tests.real_worker import broker_only, queued, recording_task_runs, running_worker

from . import factories as f
from .factories import database_left_as_migrated  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("database_left_as_migrated"),
]


@pytest.fixture
def task_runs():
    with recording_task_runs() as runs:
        yield runs


def wait_for(condition, *, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout}s: {what}")
        time.sleep(0.1)


def test_a_submitted_application_is_prechecked_and_the_applicant_emailed_by_a_real_worker(task_runs):
    f.service()
    owner = f.talent_user()
    client = f.client_for(owner)
    application = f.draft(owner)
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 201
    mail.outbox.clear()
    test_thread = threading.get_ident()

    with broker_only():
        response = client.post(f"/api/v1/applications/{application.pk}/actions/submit/", {}, format="json")

        # Queued, not run inline: no worker is running yet, so nothing has happened.
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == Status.SUBMITTED
        assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED
        assert task_runs.runs == []
        assert mail.outbox == []
        assert queued() >= 1

        with running_worker():

            def prechecked_and_sent() -> bool:
                status = Application.objects.get(pk=application.pk).status
                notices = dict(Notification.objects.filter(recipient=owner).values_list("kind", "email_status"))
                return status == Status.PRE_REVIEW and notices == {
                    "application.submitted": DeliveryStatus.SENT,
                    "application.prechecked": DeliveryStatus.SENT,
                }

            wait_for(prechecked_and_sent, what="pre-check done and both e-mails sent")

            # The task is idempotent: run again for an application no longer submitted, it does nothing.
            again = tasks.application_precheck.delay(application.pk)
            rerun = task_runs.wait_for(again.id)
            assert rerun.result == "skipped"

        # Every task ran in the worker: its thread and hostname, never eagerly on the test's thread.
        prechecks = task_runs.named("workflow.application_precheck")
        assert [(run.args, run.result) for run in prechecks] == [
            ((application.pk,), "done"),
            ((application.pk,), "skipped"),
        ]
        assert len(task_runs.named("notifications.deliver_email")) == 2
        assert task_runs.runs and all(run.done for run in task_runs.runs)
        assert len({run.thread for run in task_runs.runs}) == 1  # the worker's one (solo pool) thread
        assert task_runs.runs[0].thread != test_thread
        assert {(run.routing_key, run.is_eager) for run in task_runs.runs} == {(app.conf.task_default_queue, False)}

    application.refresh_from_db()
    assert application.precheck_report["ok"] is False  # the ID card is still missing
    assert "missing_materials" in {issue["code"] for issue in application.precheck_report["issues"]}
    precheck = ApplicationEvent.objects.get(application=application, action="precheck")
    assert (precheck.from_status, precheck.to_status, precheck.actor) == (Status.SUBMITTED, Status.PRE_REVIEW, None)
    assert sorted(m.subject for m in mail.outbox) == sorted(
        Notification.objects.filter(recipient=owner).values_list("title", flat=True)
    )
    assert all(m.to == [owner.email] for m in mail.outbox)
