"""A real Celery worker on the Redis broker runs the pre-check and delivers the notices.

Skipped without REDIS_URL on a developer's machine, a failure under CI=true (see conftest.py). The
worker runs in a thread of this process, so it uses Django's connection settings as the tests
have them: it reads and writes the test database (``test_<name>``), not the real one.
"""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connection

from apps.notifications.models import DeliveryStatus, Notification
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status
from talentportal.celery import app

from . import factories as f
from .factories import database_left_as_migrated  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("database_left_as_migrated"),
]


def _close_worker_connection(**_: object) -> None:
    # The worker thread's own connection; closed after each task so none outlives the test database.
    connection.close()


@pytest.fixture
def celery_worker():
    """A real worker thread on the Redis broker; eager mode off while it runs, restored afterwards."""
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    task_postrun.connect(_close_worker_connection, weak=False)
    try:
        app.control.purge()  # nothing left over from an earlier run on this broker database
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connection)
        app.conf.task_always_eager = was_eager


def wait_for(condition, *, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout}s: {what}")
        time.sleep(0.1)


def test_a_submitted_application_is_prechecked_and_the_applicant_emailed_by_a_real_worker(celery_worker):
    f.service()
    owner = f.talent_user()
    client = f.client_for(owner)
    application = f.draft(owner)
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 201
    mail.outbox.clear()

    response = client.post(f"/api/v1/applications/{application.pk}/actions/submit/", {}, format="json")

    assert response.status_code == 200, response.json()
    # Queued, not run inline: by the time the response is rendered the worker may already be done.
    assert response.json()["status"] in (Status.SUBMITTED, Status.PRE_REVIEW)

    def prechecked_and_sent() -> bool:
        status = Application.objects.get(pk=application.pk).status
        notices = dict(Notification.objects.filter(recipient=owner).values_list("kind", "email_status"))
        return status == Status.PRE_REVIEW and notices == {
            "application.submitted": DeliveryStatus.SENT,
            "application.prechecked": DeliveryStatus.SENT,
        }

    wait_for(prechecked_and_sent, what="pre-check done and both e-mails sent")

    application.refresh_from_db()
    assert application.precheck_report["ok"] is False  # the ID card is still missing
    assert "missing_materials" in {issue["code"] for issue in application.precheck_report["issues"]}
    precheck = ApplicationEvent.objects.get(application=application, action="precheck")
    assert (precheck.from_status, precheck.to_status, precheck.actor) == (Status.SUBMITTED, Status.PRE_REVIEW, None)
    assert sorted(m.subject for m in mail.outbox) == sorted(
        Notification.objects.filter(recipient=owner).values_list("title", flat=True)
    )
    assert all(m.to == [owner.email] for m in mail.outbox)
    # The task is idempotent: run again for an application no longer submitted, it does nothing.
    from apps.workflow import tasks

    assert (
        tasks.application_precheck.delay(application.pk).get(timeout=20) == "skipped"
        if app.conf.result_backend
        else True
    )
