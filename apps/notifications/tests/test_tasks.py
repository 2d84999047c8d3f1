import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from apps.core.sms import MemorySmsBackend
from apps.core.tasks import RETRY_DEFAULTS
from apps.notifications import tasks
from apps.notifications.models import DeliveryStatus, Notification
from apps.notifications.services import delivery_lock_key, notify

pytestmark = pytest.mark.django_db


class FlakySmsBackend(MemorySmsBackend):
    """Fails the first ``failures`` sends, then works like the memory backend."""

    failures = 0
    attempts = 0

    def send(self, to: str, body: str) -> None:
        FlakySmsBackend.attempts += 1
        if FlakySmsBackend.attempts <= FlakySmsBackend.failures:
            raise ConnectionError("gateway timeout")
        super().send(to, body)


@pytest.fixture
def flaky_sms(settings):
    settings.SMS_BACKEND = f"{__name__}.FlakySmsBackend"
    FlakySmsBackend.attempts = 0
    FlakySmsBackend.failures = 0
    return FlakySmsBackend


@pytest.fixture
def undelivered(talent, django_capture_on_commit_callbacks):
    """A notification whose delivery tasks were never enqueued (callbacks captured, not run)."""
    with django_capture_on_commit_callbacks(execute=False):
        return notify(
            kind="application.approved",
            recipient=talent,
            event_key="application:1:event:5",
            context={"service": "人才公寓", "number": "HZ-1"},
        )


def test_running_a_delivery_task_twice_sends_once(undelivered, sms_outbox):
    assert tasks.deliver_email.delay(undelivered.pk).get() == "sent"
    assert tasks.deliver_email.delay(undelivered.pk).get() == "not-pending"
    assert tasks.deliver_sms.delay(undelivered.pk).get() == "sent"
    assert tasks.deliver_sms.delay(undelivered.pk).get() == "not-pending"

    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1
    undelivered.refresh_from_db()
    assert (undelivered.email_status, undelivered.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)


@contextmanager
def another_worker_sending(notification: Notification, channel: str) -> Iterator[None]:
    """Another live worker is sending: it claimed the row and, on PostgreSQL, holds the delivery's
    advisory lock on its own connection (without it the claim would be a dead worker's)."""
    Notification.objects.filter(pk=notification.pk).update(**{f"{channel}_status": DeliveryStatus.SENDING})
    if connection.vendor != "postgresql":
        yield
        return
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", delivery_lock_key(notification.pk, channel))
        yield
    finally:
        other.close()


def test_a_send_claimed_by_another_worker_is_left_to_it(undelivered, sms_outbox):
    with another_worker_sending(undelivered, "sms"):
        assert tasks.deliver_sms.delay(undelivered.pk).get() == "not-pending"

    assert sms_outbox == []
    assert Notification.objects.get(pk=undelivered.pk).sms_status == DeliveryStatus.SENDING


@pytest.mark.postgres
def test_a_send_claimed_by_a_worker_that_died_is_sent_once_by_the_next(undelivered, sms_outbox):
    # given a claim whose worker died mid-send: the row says sending, nobody holds its lock
    Notification.objects.filter(pk=undelivered.pk).update(sms_status=DeliveryStatus.SENDING)

    # when the task comes back (redelivered, or from the sweep), twice
    assert tasks.deliver_sms.delay(undelivered.pk).get() == "sent"
    assert tasks.deliver_sms.delay(undelivered.pk).get() == "not-pending"

    # then the message went out once
    assert [m.to for m in sms_outbox] == [undelivered.recipient.phone]
    assert Notification.objects.get(pk=undelivered.pk).sms_status == DeliveryStatus.SENT


def test_delivery_tasks_have_the_portal_retry_policy():
    for task in (tasks.deliver_email, tasks.deliver_sms):
        assert task.max_retries == RETRY_DEFAULTS["max_retries"] == 5
        assert task.autoretry_for == (Exception,)
        assert task.retry_backoff == RETRY_DEFAULTS["retry_backoff"]


def test_a_failed_attempt_on_a_worker_frees_the_send_for_the_retry(undelivered, flaky_sms):
    flaky_sms.failures = 1

    # Called directly the task runs as on a worker (not eager): the exception goes to Celery's retry.
    with pytest.raises(ConnectionError):
        tasks.deliver_sms(undelivered.pk)
    undelivered.refresh_from_db()
    assert (undelivered.sms_status, undelivered.sms_error) == (
        DeliveryStatus.PENDING,
        "ConnectionError: gateway timeout",
    )

    assert tasks.deliver_sms(undelivered.pk) == "sent"
    assert flaky_sms.attempts == 2
    assert len(flaky_sms.outbox) == 1
    undelivered.refresh_from_db()
    assert (undelivered.sms_status, undelivered.sms_error) == (DeliveryStatus.SENT, "")


def test_the_last_retry_marks_failed_without_raising(undelivered, flaky_sms):
    flaky_sms.failures = 100

    tasks.deliver_sms.push_request(retries=tasks.deliver_sms.max_retries)
    try:
        assert tasks.deliver_sms(undelivered.pk) == "failed"
    finally:
        tasks.deliver_sms.pop_request()

    assert flaky_sms.outbox == []
    undelivered.refresh_from_db()
    assert (undelivered.sms_status, undelivered.sms_sent_at) == (DeliveryStatus.FAILED, None)
    assert undelivered.sms_error == "ConnectionError: gateway timeout"
    # A failed channel is settled: running the task again sends nothing.
    assert tasks.deliver_sms(undelivered.pk) == "not-pending"
    assert flaky_sms.attempts == 1


def test_run_eagerly_a_failure_is_recorded_at_once_not_raised_into_the_request(undelivered, flaky_sms):
    flaky_sms.failures = 100

    assert tasks.deliver_sms.delay(undelivered.pk).get() == "failed"

    assert flaky_sms.attempts == 1
    assert Notification.objects.get(pk=undelivered.pk).sms_status == DeliveryStatus.FAILED


def test_an_address_removed_before_delivery_is_skipped(undelivered, sms_outbox):
    recipient = undelivered.recipient
    recipient.phone = ""
    recipient.phone_hash = None
    recipient.save()

    assert tasks.deliver_sms.delay(undelivered.pk).get() == "skipped"

    assert sms_outbox == []
    assert Notification.objects.get(pk=undelivered.pk).sms_status == DeliveryStatus.SKIPPED


def test_a_deleted_notification_is_nothing_to_do(undelivered, sms_outbox):
    pk = undelivered.pk
    undelivered.delete()

    assert tasks.deliver_sms.delay(pk).get() == "not-pending"
    assert sms_outbox == []


def test_redeliver_pending_sends_what_was_never_enqueued_and_nothing_else(
    make_talent, sms_outbox, django_capture_on_commit_callbacks
):
    talent = make_talent()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        lost, fresh, ancient = (
            notify(kind="application.approved", recipient=talent, event_key=f"application:{n}:event:1", context={})
            for n in (1, 2, 3)
        )
    Notification.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(minutes=30))
    Notification.objects.filter(pk=fresh.pk).update(created_at=now - dt.timedelta(minutes=1))
    Notification.objects.filter(pk=ancient.pk).update(created_at=now - dt.timedelta(days=3))

    assert tasks.redeliver_pending.delay().get() == 2  # e-mail and SMS of the lost one

    statuses = dict(Notification.objects.values_list("pk", "email_status"))
    assert statuses == {lost.pk: "sent", fresh.pk: "pending", ancient.pk: "pending"}
    assert [m.to for m in mail.outbox] == [[talent.email]]
    assert len(sms_outbox) == 1
    # Running it again finds nothing pending that is due.
    assert tasks.redeliver_pending.delay().get() == 0
