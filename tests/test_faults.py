"""Faults in the services the portal stands on: PostgreSQL unreachable, Redis (cache and broker) down.

PostgreSQL unreachable → every request answers 503 cleanly (a page for people, ``{"detail": ...}`` for
the API, never a traceback) and the next request after it is back answers 200. Redis down → pages and
the API still serve (rate limits fail open: docs/operations.md), and what could not be queued is
delivered once by the sweeps when it is back. The faults are real (tests/faults.py), not mocks.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from apps.notifications import tasks as notification_tasks
from apps.notifications.models import DeliveryStatus, Notification
from apps.workflow import tasks as workflow_tasks
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status
from apps.workflow.tests import factories as f
from apps.workflow.tests.factories import database_left_as_migrated  # noqa: F401 (a fixture)
from tests.faults import database_unreachable, redis_unreachable, wait_until
from tests.real_worker import broker_only, recording_task_runs, running_worker

UNAVAILABLE = "服务暂时不可用，请稍后再试"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_left_as_migrated")
def test_postgres_unreachable_answers_503_cleanly_and_the_portal_recovers_when_it_is_back():
    f.service()
    talent = f.talent_user()
    api = f.client_for(talent)
    api.raise_request_exception = False
    page = Client(raise_request_exception=False)
    assert page.get("/services/").status_code == 200
    assert api.get("/api/v1/services/").status_code == 200

    with database_unreachable():
        # pages: the friendly page, in the portal's language, without a trace of the error
        for path in ("/", "/services/", f"/services/{f.SERVICE}/"):
            response = page.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
            body = response.content.decode()
            assert response.status_code == 503, path
            assert response["Content-Type"].startswith("text/html")
            assert response["Retry-After"] == "30"
            assert "服务暂时不可用" in body
            assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body
        # the API: JSON, whether the database was needed to authenticate or only by the view
        for client, path in ((api, "/api/v1/me/"), (api, "/api/v1/applications/"), (page, "/api/v1/services/")):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.json() == {"detail": UNAVAILABLE}
        # a write changes nothing and still answers 503
        response = api.post("/api/v1/applications/", {"service": f.SERVICE}, format="json")
        assert (response.status_code, response.json()) == (503, {"detail": UNAVAILABLE})
        # the probes: alive, not ready, naming the database
        assert page.get("/healthz").status_code == 200
        ready = page.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"status": "unavailable", "down": ["database"]})

    # back: the next requests reconnect and answer as before
    assert page.get("/services/").status_code == 200
    assert api.get("/api/v1/services/").status_code == 200
    assert api.get("/api/v1/me/").status_code == 200
    assert page.get("/readyz").json() == {"status": "ok"}
    assert not Application.objects.filter(applicant__user=talent).exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_left_as_migrated")
def test_redis_down_pages_and_the_api_serve_and_the_sweeps_deliver_what_was_not_queued_once():
    f.service()
    owner = f.talent_user()
    api = f.client_for(owner)
    application = f.draft(owner)
    assert f.upload(api, application.pk, "application_form", f.pdf_bytes()).status_code == 201
    mail.outbox.clear()

    with redis_unreachable():
        # pages and the API serve; the rate-limited lookup too (its limit fails open)
        page = Client()
        assert page.get("/").status_code == 200
        assert page.get("/services/").status_code == 200
        assert page.get("/lookup/").status_code == 200
        assert page.get("/api/v1/lookup/", {"number": "HZ2026-000001", "phone_last4": "1234"}).status_code == 404
        assert api.get("/api/v1/me/").status_code == 200

        # a submit commits and answers, though its pre-check and notices cannot be queued
        started = time.monotonic()
        response = api.post(f"/api/v1/applications/{application.pk}/actions/submit/", {}, format="json")
        assert response.status_code == 200, response.json()
        assert time.monotonic() - started < 5
        assert response["X-Request-ID"]

    # what could not be queued is still there to do: submitted, its notice pending
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED
    submitted = Notification.objects.get(recipient=owner, kind="application.submitted")
    assert submitted.email_status == DeliveryStatus.PENDING
    assert mail.outbox == []

    # Redis is back: beat's sweeps, run by a real worker, once their wait has passed
    Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=6))
    Notification.objects.filter(pk=submitted.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    with recording_task_runs() as runs, broker_only(), running_worker():
        sweeps = [workflow_tasks.prechecks_sweep.delay(), notification_tasks.redeliver_pending.delay()]
        assert [runs.wait_for(s.id).result for s in sweeps] == [1, 1]
        wait_until(
            lambda: (
                set(Notification.objects.filter(recipient=owner).values_list("email_status", flat=True))
                == {DeliveryStatus.SENT}
            ),
            what="both notices sent",
        )
        # and again: nothing is left
        again = [workflow_tasks.prechecks_sweep.delay(), notification_tasks.redeliver_pending.delay()]
        assert [runs.wait_for(s.id).result for s in again] == [0, 0]

    assert Application.objects.get(pk=application.pk).status == Status.PRE_REVIEW
    assert ApplicationEvent.objects.filter(application=application, action="precheck").count() == 1
    assert sorted(Notification.objects.filter(recipient=owner).values_list("kind", flat=True)) == [
        "application.prechecked",
        "application.submitted",
    ]
    assert sorted(m.subject for m in mail.outbox) == sorted(
        Notification.objects.filter(recipient=owner).values_list("title", flat=True)
    )
