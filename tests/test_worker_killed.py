"""A Celery worker SIGKILLed mid-task loses nothing and repeats no side effect once another runs.

Real processes on the real broker: ``celery worker`` subprocesses (tests/faults.py) on this test
process's Redis queue and the test database. The first worker is stopped at a known point — inside
the SMS send (a barrier in the test SMS backend), inside the pre-check's transaction (waiting for a
table lock the test holds) — and killed with SIGKILL: no warm shutdown, no acknowledgement. Its
message stays unacknowledged in Redis (given back only after the 13-hour visibility timeout), so a
second worker recovers through what beat sends: the notification and pre-check sweeps.
Needs PostgreSQL and Redis; under CI=true their absence fails these tests (conftest.py).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts import roles
from apps.notifications import tasks as notification_tasks
from apps.notifications.models import DeliveryStatus, Notification
from apps.notifications.services import REDELIVER_AFTER, notify
from apps.workflow import tasks as workflow_tasks
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status
from apps.workflow.tests import factories as f
from apps.workflow.tests.factories import database_left_as_migrated  # noqa: F401 (a fixture)
from talentportal.celery import app
from tests.faults import WorkerProcess, forget_unacked, sms_sent, wait_until
from tests.real_worker import broker_only, queued

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("database_left_as_migrated"),
]


@pytest.fixture
def outbox(tmp_path):
    (tmp_path / "mail").mkdir()
    yield tmp_path
    forget_unacked(app.conf.task_default_queue)


def succeeded(worker: WorkerProcess, task: str) -> list[str]:
    """The results the worker logged for ``task`` ("Task <name>[<id>] succeeded in 0.01s: <result>")."""
    return re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded in [\d.]+s: (.*)", worker.log())


def test_a_worker_killed_in_the_sms_send_loses_nothing_and_the_next_sends_it_once(outbox):
    recipient = f.user(roles.TALENT, phone="13900139001")
    with broker_only():
        notification = notify(
            kind="application.accepted",
            recipient=recipient,
            event_key="application:7:event:70",
            context={"service": "人才入户", "number": "HZ-7"},
            channels=("inapp", "sms"),
        )
        assert queued() == 1  # committed: the SMS delivery waits on the broker

        # given the first worker stopped inside the SMS send, its claim committed
        first = WorkerProcess(outbox, name="first", hold_sms=True)
        try:
            wait_until(lambda: (outbox / "sms-held").exists(), what="the first worker in the SMS send")
            assert Notification.objects.get(pk=notification.pk).sms_status == DeliveryStatus.SENDING
            # when it is killed there
            first.kill()
        finally:
            first.stop()

        # then nothing went out, and the message is neither queued nor acknowledged (held in Redis's unacked set)
        assert sms_sent(outbox) == []
        assert queued() == 0
        assert Notification.objects.get(pk=notification.pk).sms_status == DeliveryStatus.SENDING

        # when another worker runs and beat's sweep comes round (the delivery is now older than REDELIVER_AFTER)
        Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - REDELIVER_AFTER * 2)
        second = WorkerProcess(outbox, name="second")
        try:
            second.wait_ready()
            notification_tasks.redeliver_pending.delay()
            wait_until(
                lambda: Notification.objects.get(pk=notification.pk).sms_status == DeliveryStatus.SENT,
                what="the SMS sent by the second worker",
            )
            # and again: nothing is left to send
            notification_tasks.redeliver_pending.delay()
            wait_until(lambda: len(succeeded(second, "notifications.redeliver_pending")) == 2, what="second sweep")
            # the first worker's message, were the broker to give it back, sends nothing either
            notification_tasks.deliver_sms.delay(notification.pk)
            wait_until(lambda: succeeded(second, "notifications.deliver_sms")[-1:] == ["'not-pending'"], what="rerun")
        finally:
            second.stop()

    # then the message went out exactly once, from the second worker
    sent = sms_sent(outbox)
    assert [(m["to"], m["pid"]) for m in sent] == [("13900139001", second.process.pid)]
    assert succeeded(second, "notifications.redeliver_pending") == ["1", "0"]
    assert succeeded(second, "notifications.deliver_sms") == ["'sent'", "'not-pending'"]
    delivered = Notification.objects.get(pk=notification.pk)
    assert (delivered.sms_status, delivered.sms_error) == (DeliveryStatus.SENT, "")


def test_a_pool_process_killed_in_the_sms_send_is_redelivered_at_once_and_sends_once(outbox):
    # task_acks_late + task_reject_on_worker_lost: the worker requeues the message of a pool process
    # that died, and a new pool process takes it, no sweep needed
    assert (app.conf.task_acks_late, app.conf.task_reject_on_worker_lost) == (True, True)
    recipient = f.user(roles.TALENT, phone="13900139002")
    with broker_only():
        worker = WorkerProcess(outbox, name="prefork", hold_sms=True, pool="prefork")
        try:
            worker.wait_ready()
            notification = notify(
                kind="application.accepted",
                recipient=recipient,
                event_key="application:8:event:80",
                context={"service": "人才入户", "number": "HZ-8"},
                channels=("inapp", "sms"),
            )
            # given the pool process stopped inside the SMS send
            wait_until(lambda: (outbox / "sms-held").exists(), what="the pool process in the SMS send")
            pool_process = int((outbox / "sms-held").read_text())
            assert pool_process != worker.process.pid
            assert Notification.objects.get(pk=notification.pk).sms_status == DeliveryStatus.SENDING
            # when it is killed (as the OOM killer would), the worker itself living on
            os.kill(pool_process, signal.SIGKILL)
            # then the next pool process sends it, once
            wait_until(
                lambda: Notification.objects.get(pk=notification.pk).sms_status == DeliveryStatus.SENT,
                what="the SMS sent after the requeue",
            )
            wait_until(lambda: succeeded(worker, "notifications.deliver_sms") == ["'sent'"], what="the rerun")
            assert queued() == 0
        finally:
            worker.stop()

    assert "WorkerLostError" in worker.log()
    sent = sms_sent(outbox)
    assert [m["to"] for m in sent] == ["13900139002"]
    assert sent[0]["pid"] not in (pool_process, worker.process.pid)


def _waiting_for_a_lock(database: str) -> dict[int, str]:
    """The server sessions of ``database`` waiting for a lock: {pid: query}."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [database]
        )
        return dict(cursor.fetchall())


def _session_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return bool(cursor.fetchone()[0])


def _connect_to(database: str):
    import psycopg2

    params = connection.get_connection_params()
    params["dbname"] = database
    return psycopg2.connect(**params)


def test_a_worker_killed_in_the_precheck_leaves_it_undone_and_the_next_does_it_once(outbox):
    f.service()
    owner = f.talent_user()
    client = f.client_for(owner)
    application = f.draft(owner)
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 201
    database = connection.settings_dict["NAME"]

    with broker_only():
        assert (
            client.post(f"/api/v1/applications/{application.pk}/actions/submit/", {}, format="json").status_code == 200
        )
        assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED

        # given the first worker inside the pre-check's transaction: the report written, the event's
        # INSERT waiting for a lock this test holds on the events table
        locker = _connect_to(database)  # psycopg2 opens a transaction at the first statement
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLE workflow_applicationevent IN SHARE MODE")
        first = WorkerProcess(outbox, name="first")
        try:
            wait_until(
                lambda: any("workflow_applicationevent" in q for q in _waiting_for_a_lock(database).values()),
                what="the pre-check waiting to write its event",
            )
            (session,) = _waiting_for_a_lock(database)
            # when the worker is killed there
            first.kill()
        finally:
            first.stop()
            locker.rollback()
            locker.close()
        # (its server session ends once it finds its client gone, rolling the transaction back)
        wait_until(lambda: not _session_alive(session), what="the killed worker's session gone")

        # then nothing of the pre-check remains: still submitted, no report, no event
        stalled = Application.objects.get(pk=application.pk)
        assert (stalled.status, stalled.precheck_report, stalled.precheck_at) == (Status.SUBMITTED, {}, None)
        assert not ApplicationEvent.objects.filter(application=application, action="precheck").exists()

        # when another worker runs beat's sweep (the submit is now older than its 5 minutes), twice
        Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=6))
        second = WorkerProcess(outbox, name="second")
        try:
            second.wait_ready()
            workflow_tasks.prechecks_sweep.delay()
            wait_until(lambda: succeeded(second, "workflow.prechecks_sweep") == ["1"], what="the sweep's pre-check")
            workflow_tasks.prechecks_sweep.delay()
            wait_until(lambda: len(succeeded(second, "workflow.prechecks_sweep")) == 2, what="the second sweep")
            wait_until(
                lambda: (
                    set(
                        Notification.objects.filter(recipient=owner, kind="application.prechecked").values_list(
                            "email_status", flat=True
                        )
                    )
                    == {DeliveryStatus.SENT}
                ),
                what="the pre-check's e-mail",
            )
        finally:
            second.stop()

    # then the pre-check ran once: one report, one event, one notice to the applicant
    assert succeeded(second, "workflow.prechecks_sweep") == ["1", "0"]
    done = Application.objects.get(pk=application.pk)
    assert done.status == Status.PRE_REVIEW
    assert "missing_materials" in {issue["code"] for issue in done.precheck_report["issues"]}
    assert ApplicationEvent.objects.filter(application=application, action="precheck").count() == 1
    assert Notification.objects.filter(recipient=owner, kind="application.prechecked").count() == 1
    mails = sorted(p.read_text(encoding="utf-8") for p in (outbox / "mail").iterdir())
    assert len(mails) == 2  # the submit's notice (sent by the first worker) and the pre-check's, once each
