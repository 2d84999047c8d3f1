"""Every write of notifications. ``notify`` is the portal's one way to tell someone something."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.core.exceptions import NotFound, ValidationFailed
from apps.core.identifiers import IdentifierError, phone_validate

from . import channels as channel_adapters
from . import kinds, selectors
from .models import DeliveryStatus, Notification

logger = logging.getLogger(__name__)

# Pending deliveries older than this were never enqueued (the broker was down at commit) or lost their
# retry: ``notifications_redeliver_pending`` enqueues them again. Older than MAX_AGE they are stale news.
REDELIVER_AFTER = dt.timedelta(minutes=10)
REDELIVER_MAX_AGE = dt.timedelta(days=1)
REDELIVER_BATCH = 1000

_STATUS_FIELD = {channel_adapters.EMAIL: "email_status", channel_adapters.SMS: "sms_status"}
_SENT_AT_FIELD = {channel_adapters.EMAIL: "email_sent_at", channel_adapters.SMS: "sms_sent_at"}
_ERROR_FIELD = {channel_adapters.EMAIL: "email_error", channel_adapters.SMS: "sms_error"}

_deliveries_suppressed: ContextVar[bool] = ContextVar("notifications_deliveries_suppressed", default=False)


@contextmanager
def deliveries_suppressed() -> Iterator[None]:
    """Inside this block ``notify`` records the in-app notification but sends nothing outside the
    portal: e-mail and SMS are marked ``skipped``. For loading demo or past data (``seed_demo``),
    whose events are news to nobody."""
    token = _deliveries_suppressed.set(True)
    try:
        yield
    finally:
        _deliveries_suppressed.reset(token)


def _clean(
    *, kind: str, recipient: Any, event_key: str, link: str, channels: Iterable[str], sms_to: str
) -> tuple[str, str, str, set[str], str]:
    errors: dict[str, list[str]] = {}
    kind = (kind or "").strip()
    event_key = (event_key or "").strip()
    link = (link or "").strip()
    wanted = set(channels)
    if not kind or len(kind) > Notification._meta.get_field("kind").max_length:  # type: ignore[operator]
        errors["kind"] = ["a kind of at most 64 characters is required"]
    if not event_key or len(event_key) > Notification._meta.get_field("event_key").max_length:  # type: ignore[operator]
        errors["event_key"] = ["an event key of at most 200 characters is required"]
    if recipient is None or getattr(recipient, "pk", None) is None:
        errors["recipient"] = ["a saved user is required"]
    # Only a path on this site: a notification must never carry someone to another site.
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link or any(c.isspace() for c in link)):
        errors["link"] = ["a path on this site, starting with /"]
    elif len(link) > 500:
        errors["link"] = ["at most 500 characters"]
    unknown = wanted - set(channel_adapters.ALL)
    if unknown:
        errors["channels"] = [f"unknown channel: {', '.join(sorted(unknown))}"]
    elif kind in kinds.CONFIDENTIAL and wanted != {channel_adapters.SMS}:
        errors["channels"] = [f"{kind} carries a secret: send it by SMS only"]
    if sms_to:
        try:
            sms_to = phone_validate(sms_to)
        except IdentifierError as exc:
            errors["sms_to"] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    return kind, event_key, link, wanted, sms_to


def notify(
    *,
    kind: str,
    recipient: Any,
    event_key: str,
    context: Mapping[str, Any],
    link: str = "",
    channels: Iterable[str] = channel_adapters.ALL,
    language: str | None = None,
    sms_to: str = "",
) -> Notification:
    """Tell ``recipient`` about one business event, at most once.

    Writes the in-app record (title and body rendered now, in ``language``; by default the recipient's
    own ``language`` if they chose one, else ``settings.LANGUAGE_CODE``) and, after the surrounding
    transaction commits, enqueues one delivery task per external channel that can reach the recipient.
    The same (recipient, event_key, kind) again returns the existing record and sends nothing, so
    callers may replay events freely; a rolled-back transaction leaves no record and sends nothing. A channel left out of ``channels``, or
    one the recipient has no address for (no e-mail, no phone), is marked ``skipped``; without
    ``"inapp"`` the record keeps the delivery state but is not listed to the recipient. ``sms_to``
    texts that number instead of the recipient's phone (a claim code goes to the phone on the
    imported record, not to the claimant); confidential kinds (``kinds.CONFIDENTIAL``) go by SMS only.
    Inside ``deliveries_suppressed()`` both external channels are ``skipped``.
    """
    kind, event_key, link, wanted, sms_to = _clean(
        kind=kind, recipient=recipient, event_key=event_key, link=link, channels=channels, sms_to=sms_to
    )
    if language is None:
        # The recipient's own language, chosen on the site (``User.language``); else the portal's default.
        language = getattr(recipient, "language", "") or None
    language = kinds.language_for(language)
    title, body = kinds.render(kind, language, context or {})
    suppressed = _deliveries_suppressed.get()
    statuses = {
        channel: DeliveryStatus.PENDING
        if channel in wanted and not suppressed and channel_adapters.address(channel, recipient, sms_to)
        else DeliveryStatus.SKIPPED
        for channel in channel_adapters.EXTERNAL
    }
    if kind in kinds.CONFIDENTIAL and statuses[channel_adapters.SMS] == DeliveryStatus.SKIPPED:
        body = kinds.SCRUBBED_BODY[language]  # no SMS will carry the secret: keep no copy of it
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            recipient=recipient,
            event_key=event_key,
            kind=kind,
            defaults={
                "language": language,
                "title": title[:200],
                "body": body,
                "link": link,
                "sms_to": sms_to,
                "in_app": channel_adapters.INAPP in wanted,
                "email_status": statuses[channel_adapters.EMAIL],
                "sms_status": statuses[channel_adapters.SMS],
            },
        )
        if created:
            for channel, status in statuses.items():
                if status == DeliveryStatus.PENDING:
                    # robust: once the business transaction has committed, a broker outage must not
                    # turn its response into an error; notifications_redeliver_pending picks it up.
                    # A function, not functools.partial: Django names the callback when it logs a
                    # failure, and a partial has no __qualname__ (the log call itself would raise).
                    transaction.on_commit(
                        lambda pk=notification.pk, channel=channel: _enqueue_delivery(pk, channel), robust=True
                    )
    return notification


def _enqueue_delivery(notification_id: int, channel: str) -> None:
    from . import tasks  # tasks call back into this module

    task = tasks.deliver_email if channel == channel_adapters.EMAIL else tasks.deliver_sms
    task.delay(notification_id)


# The advisory lock namespace of deliveries (pg_try_advisory_lock(int, int)): one key per notification
# and channel, the channel in the low bit.
_DELIVERY_LOCK_CLASS = 0x4E4F  # "NO"
DELIVERY_LOCK_WAIT_SECONDS = 2
_CHANNEL_BIT = {channel_adapters.EMAIL: 0, channel_adapters.SMS: 1}


def delivery_lock_key(notification_id: int, channel: str) -> tuple[int, int]:
    return _DELIVERY_LOCK_CLASS, (notification_id << 1 | _CHANNEL_BIT[channel]) & 0x7FFFFFFF


@contextmanager
def _delivery_lock(notification_id: int, channel: str) -> Iterator[bool]:
    """On PostgreSQL, a session advisory lock held while one call sends this delivery; yields False
    when a live call holds it. The server drops it when the holder's connection dies, so a delivery
    left ``sending`` with its lock free was claimed by a worker killed mid-send (SIGKILL, OOM, power):
    it may be claimed again. Elsewhere (SQLite, the embedded default: eager, in-process) yields True
    and only ``pending`` is claimable."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = delivery_lock_key(notification_id, channel)
    # A short wait, not one try: a task redelivered the moment its pool process was killed may come
    # before the server has ended the dead process's session (and so released its lock).
    deadline = time.monotonic() + DELIVERY_LOCK_WAIT_SECONDS
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            held = cursor.fetchone()[0]
        if held or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    try:
        yield held
    finally:
        if held and not connection.needs_rollback:
            # (In a broken transaction the unlock would fail too: the lock then ends with the session.)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def _claimable() -> list[str]:
    """The states a delivery may be claimed from: ``sending`` too where ``_delivery_lock`` proves the
    claimant dead."""
    if connection.vendor == "postgresql":
        return [DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    return [DeliveryStatus.PENDING]


def notification_deliver(*, notification_id: int, channel: str, final_attempt: bool = True) -> str:
    """Send one channel of one notification, at most once; returns what happened.

    The send is claimed with a conditional UPDATE (pending → sending) whose row count says whether this
    call won, so a task delivered twice, or two workers at once, send once. Deliberately not one
    transaction: the claim must be committed before the message leaves. A failed send goes back to
    pending so the task's retry can claim it again, or to failed on the final attempt. A claim whose
    worker died before recording the outcome (``sending``, its advisory lock released with the dead
    connection) is claimed again by the redelivered task or the sweep: the message goes out once
    unless the worker died after the gateway took it and before the outcome was written.
    """
    with _delivery_lock(notification_id, channel) as free:
        if not free:
            return "not-pending"  # a live worker is sending it right now
        return _deliver_claimed(notification_id=notification_id, channel=channel, final_attempt=final_attempt)


def _deliver_claimed(*, notification_id: int, channel: str, final_attempt: bool) -> str:
    status_field = _STATUS_FIELD[channel]
    rows = Notification.objects.filter(pk=notification_id)
    claimed = rows.filter(**{f"{status_field}__in": _claimable()}).update(**{status_field: DeliveryStatus.SENDING})
    if not claimed:
        return "not-pending"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    to = channel_adapters.address(channel, notification.recipient, notification.sms_to)
    if not to:
        outcome: dict[str, Any] = {status_field: DeliveryStatus.SKIPPED}
    else:
        try:
            channel_adapters.SENDERS[channel](notification, to)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            if not final_attempt:
                rows.update(**{status_field: DeliveryStatus.PENDING, _ERROR_FIELD[channel]: error})
                raise
            logger.exception("notification %s: %s delivery failed for good", notification_id, channel)
            outcome = {status_field: DeliveryStatus.FAILED, _ERROR_FIELD[channel]: error}
        else:
            outcome = {
                status_field: DeliveryStatus.SENT,
                _SENT_AT_FIELD[channel]: timezone.now(),
                _ERROR_FIELD[channel]: "",
            }
    if notification.kind in kinds.CONFIDENTIAL:
        # The secret has gone (or never will): keep no copy of it.
        outcome["body"] = kinds.SCRUBBED_BODY[kinds.language_for(notification.language)]
    rows.update(**outcome)
    return str(outcome[status_field])


def notifications_redeliver_pending(*, now: dt.datetime | None = None) -> int:
    """Enqueue again the deliveries still pending after ``REDELIVER_AFTER`` (or left ``sending`` by a
    worker that died: see ``notification_deliver``); returns how many.

    For the periodic scheduler. Safe to overlap with a delivery already queued or being sent: the
    claim in ``notification_deliver`` lets only one of them send.
    """
    now = now or timezone.now()
    enqueued = 0
    for channel, status_field in _STATUS_FIELD.items():
        ids = list(
            Notification.objects.filter(
                **{f"{status_field}__in": _claimable()},
                created_at__lt=now - REDELIVER_AFTER,
                created_at__gte=now - REDELIVER_MAX_AGE,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:REDELIVER_BATCH]
        )
        for notification_id in ids:
            _enqueue_delivery(notification_id, channel)
        enqueued += len(ids)
    return enqueued


def notification_mark_read(*, notification_id: int, user: Any) -> Notification:
    """Mark one of ``user``'s own notifications read (idempotent: the first read time stays).

    Another user's notification, or one not shown in-app, is NotFound and left unchanged.
    """
    visible = selectors.notifications_for_user(user).filter(pk=notification_id)
    visible.filter(read_at__isnull=True).update(read_at=timezone.now())
    notification = visible.first()
    if notification is None:
        raise NotFound()
    return notification
