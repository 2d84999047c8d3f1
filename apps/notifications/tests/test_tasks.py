import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from apps.core.sms import MemorySmsBackend
from apps.core.tasks import RETRY_DEFAULTS
from apps.notifications import services, tasks
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


# --- Both channels of a notification in one task (``notifications.deliver``) and ``notify``'s single INSERT:
# the same guarantees as one task per channel — each message once, a live worker's send left to it, a
# dead worker's claimed again, a failed channel retried alone — in fewer queries.


def _statuses(notification: Notification) -> tuple[str, str]:
    row = Notification.objects.get(pk=notification.pk)
    return row.email_status, row.sms_status


def test_notify_enqueues_one_task_for_both_channels_after_commit(talent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(
            kind="application.approved",
            recipient=talent,
            event_key="application:3:event:9",
            context={"service": "人才公寓", "number": "HZ-3"},
        )
    assert len(callbacks) == 1
    assert _statuses(notification) == (DeliveryStatus.PENDING, DeliveryStatus.PENDING)

    sent: list[tuple] = []
    original = tasks.deliver.delay
    tasks.deliver.delay = lambda *args: sent.append(args)  # type: ignore[method-assign]
    try:
        callbacks[0]()
    finally:
        tasks.deliver.delay = original  # type: ignore[method-assign]
    assert sent == [(notification.pk, ["email", "sms"])]


def test_notify_with_one_external_channel_enqueues_that_channels_task(talent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(
            kind="application.approved",
            recipient=talent,
            event_key="application:3:event:10",
            context={"service": "人才公寓", "number": "HZ-3"},
            channels=("inapp", "email"),
        )
    assert len(callbacks) == 1
    assert _statuses(notification) == (DeliveryStatus.SENT, DeliveryStatus.SKIPPED)
    assert [m.to for m in mail.outbox] == [[talent.email]]


def test_notify_outside_a_transaction_is_one_statement_and_a_replay_two(talent, django_assert_num_queries):
    params = {
        "kind": "application.approved",
        "recipient": talent,
        "event_key": "application:4:event:1",
        "context": {"service": "人才公寓", "number": "HZ-4"},
        "channels": ("inapp",),
    }
    with django_assert_num_queries(1):  # INSERT ... ON CONFLICT DO NOTHING RETURNING id
        first = notify(**params)
    with django_assert_num_queries(2):  # the same, which inserts nothing; then the row it met
        again = notify(**params)
    assert again.pk == first.pk
    assert Notification.objects.filter(recipient=talent).count() == 1
    stored = Notification.objects.get(pk=first.pk)
    assert (stored.title, stored.body, stored.language) == (first.title, first.body, first.language)
    assert stored.created_at == first.created_at


def test_notify_keeps_sms_to_encrypted_and_reads_it_back(talent):
    notification = notify(
        kind="application.approved",
        recipient=talent,
        event_key="application:4:event:2",
        context={"service": "人才公寓", "number": "HZ-4"},
        channels=("inapp", "sms"),
        sms_to="13912345678",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT sms_to FROM notifications_notification WHERE id = %s", [notification.pk])
        stored = cursor.fetchone()[0]
    assert stored and "13912345678" not in stored
    assert Notification.objects.get(pk=notification.pk).sms_to == "13912345678"


def test_both_channels_in_one_task_are_sent_once_each(undelivered, sms_outbox):
    assert tasks.deliver.delay(undelivered.pk, ["email", "sms"]).get() == {"email": "sent", "sms": "sent"}
    assert tasks.deliver.delay(undelivered.pk, ["email", "sms"]).get() == {
        "email": "not-pending",
        "sms": "not-pending",
    }
    assert tasks.deliver_sms.delay(undelivered.pk).get() == "not-pending"

    assert [m.to for m in mail.outbox] == [[undelivered.recipient.email]]
    assert [m.to for m in sms_outbox] == [undelivered.recipient.phone]
    assert _statuses(undelivered) == (DeliveryStatus.SENT, DeliveryStatus.SENT)


@pytest.mark.postgres
def test_delivering_both_channels_takes_five_queries(undelivered, django_assert_num_queries):
    # the locks (one query), the claim returning the row and the addresses, each outcome, the unlocks
    with django_assert_num_queries(5):
        outcomes = services.notification_deliver_channels(notification_id=undelivered.pk, channels=["sms", "email"])
    assert outcomes == {"email": "sent", "sms": "sent"}


def test_a_channel_another_worker_is_sending_is_left_to_it_and_the_other_goes(undelivered, sms_outbox, monkeypatch):
    monkeypatch.setattr(services, "DELIVERY_LOCK_WAIT_SECONDS", 0.3)
    with another_worker_sending(undelivered, "sms"):
        assert tasks.deliver.delay(undelivered.pk, ["email", "sms"]).get() == {"email": "sent", "sms": "not-pending"}

    assert sms_outbox == []
    assert len(mail.outbox) == 1
    assert _statuses(undelivered) == (DeliveryStatus.SENT, DeliveryStatus.SENDING)


@pytest.mark.postgres
def test_a_channel_claimed_by_a_worker_that_died_is_sent_once_with_the_other(undelivered, sms_outbox):
    # given a dead worker's claim of the SMS: sending, nobody holds its lock
    Notification.objects.filter(pk=undelivered.pk).update(sms_status=DeliveryStatus.SENDING)

    assert tasks.deliver.delay(undelivered.pk, ["email", "sms"]).get() == {"email": "sent", "sms": "sent"}
    assert tasks.deliver.delay(undelivered.pk, ["email", "sms"]).get() == {
        "email": "not-pending",
        "sms": "not-pending",
    }

    assert [m.to for m in sms_outbox] == [undelivered.recipient.phone]
    assert len(mail.outbox) == 1


def test_a_failed_channel_is_retried_alone_after_the_other_is_recorded(undelivered, flaky_sms):
    flaky_sms.failures = 1

    # on a worker (called directly, not eager): the e-mail goes and is recorded, then the SMS error is raised
    with pytest.raises(ConnectionError):
        tasks.deliver(undelivered.pk, ["email", "sms"])
    row = Notification.objects.get(pk=undelivered.pk)
    assert (row.email_status, row.sms_status, row.sms_error) == (
        DeliveryStatus.SENT,
        DeliveryStatus.PENDING,
        "ConnectionError: gateway timeout",
    )
    assert len(mail.outbox) == 1

    # the retry sends the SMS only
    assert tasks.deliver(undelivered.pk, ["email", "sms"]) == {"email": "not-pending", "sms": "sent"}
    assert len(mail.outbox) == 1
    assert len(flaky_sms.outbox) == 1
    assert _statuses(undelivered) == (DeliveryStatus.SENT, DeliveryStatus.SENT)


def test_the_last_retry_of_both_records_the_failure_and_the_success(undelivered, flaky_sms):
    flaky_sms.failures = 100
    tasks.deliver.push_request(retries=tasks.deliver.max_retries)
    try:
        assert tasks.deliver(undelivered.pk, ["email", "sms"]) == {"email": "sent", "sms": "failed"}
    finally:
        tasks.deliver.pop_request()
    assert _statuses(undelivered) == (DeliveryStatus.SENT, DeliveryStatus.FAILED)


def test_an_unknown_channel_is_refused_and_nothing_is_sent(undelivered, sms_outbox):
    from apps.core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.notification_deliver_channels(notification_id=undelivered.pk, channels=["email", "fax"])
    assert mail.outbox == [] and sms_outbox == []
    assert _statuses(undelivered) == (DeliveryStatus.PENDING, DeliveryStatus.PENDING)


def test_the_delivery_task_has_the_portal_retry_policy():
    from apps.core.tasks import RETRY_DEFAULTS

    assert tasks.deliver.max_retries == RETRY_DEFAULTS["max_retries"]
    assert tasks.deliver.autoretry_for == (Exception,)
    assert tasks.deliver.acks_late is True
