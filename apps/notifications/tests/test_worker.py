"""A real Celery worker on the Redis broker delivers a notification once, after the commit.

Eager mode is turned off through Django's settings (``CELERY_TASK_ALWAYS_EAGER`` wins over
``app.conf``): the commit only queues the deliveries, which wait until the test starts the worker;
each then runs on the worker's thread, taken from this process's queue.
"""

import threading
import time

import pytest
from django.core import mail
from django.db import transaction

from apps.notifications.models import DeliveryStatus, Notification
from apps.notifications.services import notify
from talentportal.celery import app
from tests.real_worker import broker_only, queued, recording_task_runs, running_worker

pytestmark = [pytest.mark.celery_worker]


def _wait_until_settled(pk: int, timeout: float = 30.0) -> Notification:
    deadline = time.monotonic() + timeout
    while True:
        notification = Notification.objects.get(pk=pk)
        if DeliveryStatus.PENDING not in (notification.email_status, notification.sms_status) and (
            DeliveryStatus.SENDING not in (notification.email_status, notification.sms_status)
        ):
            return notification
        if time.monotonic() > deadline:
            pytest.fail(f"not delivered in {timeout}s: {notification.email_status}/{notification.sms_status}")
        time.sleep(0.1)


def test_a_real_worker_delivers_once_after_commit(transactional_db, talent, sms_outbox):
    test_thread = threading.get_ident()
    with recording_task_runs() as task_runs, broker_only():
        with transaction.atomic():
            notification = notify(
                kind="application.accepted",
                recipient=talent,
                event_key="application:42:event:118",
                context={"service": "人才入户", "number": "HZ-42"},
            )
            again = notify(
                kind="application.accepted",
                recipient=talent,
                event_key="application:42:event:118",
                context={"service": "人才入户", "number": "HZ-42"},
            )
            assert queued() == 0  # nothing is sent before the commit
        assert again.pk == notification.pk

        # Committed: one message for the e-mail and the SMS waits on the broker, and nothing has run yet.
        assert queued() == 1
        pending = Notification.objects.get(pk=notification.pk)
        assert (pending.email_status, pending.sms_status) == (DeliveryStatus.PENDING, DeliveryStatus.PENDING)
        assert task_runs.runs == [] and mail.outbox == [] and sms_outbox == []

        with running_worker():
            delivered = _wait_until_settled(notification.pk)
            for run in list(task_runs.runs):
                task_runs.wait_for(run.task_id)

        assert queued() == 0
        runs = sorted((run.task, run.args, run.result) for run in task_runs.runs)
        assert runs == [
            ("notifications.deliver", (notification.pk, ["email", "sms"]), {"email": "sent", "sms": "sent"})
        ]
        assert all(run.thread != test_thread and not run.is_eager for run in task_runs.runs)
        assert {run.routing_key for run in task_runs.runs} == {app.conf.task_default_queue}

    assert (delivered.email_status, delivered.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert [m.to for m in mail.outbox] == [[talent.email]]
    assert [m.to for m in sms_outbox] == [talent.phone]
