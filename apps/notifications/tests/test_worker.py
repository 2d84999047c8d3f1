import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from apps.notifications.models import DeliveryStatus, Notification
from apps.notifications.services import notify
from talentportal.celery import app

pytestmark = [pytest.mark.celery_worker]


@pytest.fixture
def celery_worker():
    """A real worker thread on the Redis broker; eager mode off while it runs, restored afterwards."""
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        app.control.purge()  # nothing left over from an earlier run on this broker database
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = was_eager


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


def test_a_real_worker_delivers_once_after_commit(transactional_db, celery_worker, talent, sms_outbox):
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
    assert again.pk == notification.pk

    delivered = _wait_until_settled(notification.pk)

    assert (delivered.email_status, delivered.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert [m.to for m in mail.outbox] == [[talent.email]]
    assert [m.to for m in sms_outbox] == [talent.phone]
