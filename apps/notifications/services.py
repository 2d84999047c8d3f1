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
    notification, created = _create_once(
        Notification(
            recipient=recipient,
            event_key=event_key,
            kind=kind,
            language=language,
            title=title[:200],
            body=body,
            link=link,
            sms_to=sms_to,
            in_app=channel_adapters.INAPP in wanted,
            email_status=statuses[channel_adapters.EMAIL],
            sms_status=statuses[channel_adapters.SMS],
        )
    )
    if created:
        pending = [channel for channel, status in statuses.items() if status == DeliveryStatus.PENDING]
        if pending:
            # After the surrounding transaction commits (at once when there is none: the INSERT
            # committed by itself). robust: once the business transaction has committed, a broker
            # outage must not turn its response into an error; notifications_redeliver_pending picks
            # it up. One task for all the notification's channels: one message on the broker, one
            # claim. A function, not functools.partial: Django names the callback when it logs a
            # failure, and a partial has no __qualname__ (the log call itself would raise).
            transaction.on_commit(lambda pk=notification.pk: _enqueue_deliveries(pk, pending), robust=True)
    return notification


def _create_once(notification: Notification) -> tuple[Notification, bool]:
    """Insert ``notification`` unless its (recipient, event_key, kind) exists; returns the row and
    whether this call wrote it.

    One statement, ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL and SQLite): outside a
    transaction it commits by itself, and a replay or a concurrent insert of the same event meets the
    unique constraint without an error or a savepoint (a concurrent one waits for the first to commit
    or roll back). Only then is the existing row read."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    fields = [field for field in Notification._meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(notification, True), connection) for field in fields]
    unique = ("recipient_id", "event_key", "kind")  # notification_once_per_event
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(field.column) for field in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({', '.join(connection.ops.quote_name(column) for column in unique)}) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        existing = Notification.objects.get(
            recipient=notification.recipient, event_key=notification.event_key, kind=notification.kind
        )
        return existing, False
    notification.pk = row[0]
    notification._state.adding = False
    notification._state.db = connection.alias
    return notification, True


def _enqueue_delivery(notification_id: int, channel: str) -> None:
    from . import tasks  # tasks call back into this module

    task = tasks.deliver_email if channel == channel_adapters.EMAIL else tasks.deliver_sms
    task.delay(notification_id)


def _enqueue_deliveries(notification_id: int, channels: list[str]) -> None:
    """One message for the notification's pending channels: a single channel's own task, or
    ``deliver`` for several (one broker round trip, one task run, one claim for them all)."""
    from . import tasks

    if len(channels) == 1:
        _enqueue_delivery(notification_id, channels[0])
    else:
        tasks.deliver.delay(notification_id, channels)


# The advisory lock namespace of deliveries (pg_try_advisory_lock(int, int)): one key per notification
# and channel, the channel in the low bit.
_DELIVERY_LOCK_CLASS = 0x4E4F  # "NO"
DELIVERY_LOCK_WAIT_SECONDS = 2
_CHANNEL_BIT = {channel_adapters.EMAIL: 0, channel_adapters.SMS: 1}


def delivery_lock_key(notification_id: int, channel: str) -> tuple[int, int]:
    return _DELIVERY_LOCK_CLASS, (notification_id << 1 | _CHANNEL_BIT[channel]) & 0x7FFFFFFF


def _advisory(function: str, notification_id: int, channels: list[str]) -> list[bool]:
    """``function`` (pg_try_advisory_lock / pg_advisory_unlock) of each channel's key, in one query."""
    keys = [delivery_lock_key(notification_id, channel) for channel in channels]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"{function}(%s, %s)" for _ in keys), [part for key in keys for part in key]
        )
        return list(cursor.fetchone())


@contextmanager
def _delivery_lock(notification_id: int, channels: list[str]) -> Iterator[list[str]]:
    """On PostgreSQL, a session advisory lock per channel held while one call sends it; yields the
    channels whose lock this call holds (not those a live call holds). The server drops a lock when
    its holder's connection dies, so a delivery left ``sending`` with its lock free was claimed by a
    worker killed mid-send (SIGKILL, OOM, power): it may be claimed again. Elsewhere (SQLite, the
    embedded default: eager, in-process) yields every channel and only ``pending`` is claimable."""
    if connection.vendor != "postgresql":
        yield list(channels)
        return
    held: list[str] = []
    # A short wait, not one try: a task redelivered the moment its pool process was killed may come
    # before the server has ended the dead process's session (and so released its lock).
    deadline = time.monotonic() + DELIVERY_LOCK_WAIT_SECONDS
    try:
        while True:
            wanted = [channel for channel in channels if channel not in held]
            held += [
                channel
                for channel, got in zip(wanted, _advisory("pg_try_advisory_lock", notification_id, wanted), strict=True)
                if got
            ]
            if len(held) == len(channels) or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        yield [channel for channel in channels if channel in held]
    finally:
        if held and not connection.needs_rollback:
            # (In a broken transaction the unlock would fail too: the locks then end with the session.)
            _advisory("pg_advisory_unlock", notification_id, held)


def _claimable() -> list[str]:
    """The states a delivery may be claimed from: ``sending`` too where ``_delivery_lock`` proves the
    claimant dead."""
    if connection.vendor == "postgresql":
        return [DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    return [DeliveryStatus.PENDING]


def notification_deliver(*, notification_id: int, channel: str, final_attempt: bool = True) -> str:
    """Send one channel of one notification, at most once; returns what happened (see
    ``notification_deliver_channels``)."""
    return notification_deliver_channels(
        notification_id=notification_id, channels=[channel], final_attempt=final_attempt
    )[channel]


def notification_deliver_channels(
    *, notification_id: int, channels: Iterable[str], final_attempt: bool = True
) -> dict[str, str]:
    """Send the given channels of one notification, each at most once; returns what happened to each
    (``sent``, ``skipped``, ``failed`` or ``not-pending``).

    The sends are claimed with one conditional UPDATE (pending → sending, for every channel asked for
    that is still pending) that returns the row, so a task delivered twice, or two workers at once,
    send once. Deliberately not one transaction: the claim must be committed before a message leaves,
    and each channel's outcome is committed as soon as it is known, before the next channel is sent. A
    failed send goes back to pending so the task's retry can claim it again (the other channel's
    outcome is recorded first, then the error is raised), or to failed on the final attempt. A claim
    whose worker died before recording the outcome (``sending``, its advisory lock released with the
    dead connection) is claimed again by the redelivered task or the sweep: the message goes out once
    unless the worker died after the gateway took it and before the outcome was written.
    """
    asked = set(channels)
    unknown = asked - set(channel_adapters.EXTERNAL)
    if unknown:
        raise ValidationFailed({"channels": [f"unknown channel: {', '.join(sorted(unknown))}"]})
    ordered = [channel for channel in channel_adapters.EXTERNAL if channel in asked]
    outcomes = dict.fromkeys(ordered, "not-pending")
    with _delivery_lock(notification_id, ordered) as free:
        # Without its lock a channel is being sent by a live worker right now: not ours. Without
        # locks at all (not PostgreSQL) a ``sending`` channel is not claimable, so the claim's row
        # only tells which channel it won when it asked for one: one claim per channel there.
        groups = [free] if connection.vendor == "postgresql" else [[channel] for channel in free]
        retry: Exception | None = None
        for group in groups:
            if not group:
                continue
            try:
                outcomes.update(
                    _deliver_claimed(notification_id=notification_id, channels=group, final_attempt=final_attempt)
                )
            except Exception as exc:  # noqa: BLE001 - re-raised below, once the other channels had their turn
                retry = retry or exc
        if retry is not None:
            raise retry
    return outcomes


def _claim(notification_id: int, channels: list[str]) -> tuple[Notification, list[str]] | None:
    """Claim ``channels`` of the notification that are claimable, in one statement that also returns
    what the send needs (the row and the recipient's addresses); None when none was claimable."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    table = connection.ops.quote_name(Notification._meta.db_table)
    users = connection.ops.quote_name(user_model._meta.db_table)
    claimable = _claimable()
    marks = ", ".join(["%s"] * len(claimable))
    sets: list[str] = []
    claimable_any: list[str] = []
    params: list[Any] = []
    for channel in channels:
        column = connection.ops.quote_name(_STATUS_FIELD[channel])
        sets.append(f"{column} = CASE WHEN {column} IN ({marks}) THEN %s ELSE {column} END")
        params += [*claimable, DeliveryStatus.SENDING]
        claimable_any.append(f"{column} IN ({marks})")
    returned = ["email_status", "sms_status", "recipient_id", "kind", "language", "title", "body", "link", "sms_to"]
    # Identifiers from the models' own metadata, quoted; every value a parameter.
    user_columns = [
        connection.ops.quote_name(str(user_model._meta.get_field(name).column)) for name in ("email", "phone")
    ]
    recipient = ", ".join(f"(SELECT u.{c} FROM {users} u WHERE u.id = {table}.recipient_id)" for c in user_columns)  # noqa: S608
    sql = (
        f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s AND ({' OR '.join(claimable_any)}) "  # noqa: S608
        f"RETURNING {', '.join(connection.ops.quote_name(c) for c in returned)}, {recipient}"
    )
    params.append(notification_id)
    for _ in channels:
        params += claimable
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = dict(zip([*returned, "email", "phone"], row, strict=True))
    sms_to = Notification._meta.get_field("sms_to")
    phone = user_model._meta.get_field("phone")
    notification = Notification(
        pk=notification_id,
        **{name: values[name] for name in returned if name != "sms_to"},
        sms_to=sms_to.from_db_value(values["sms_to"], None, connection),  # type: ignore[attr-defined]
    )
    notification.recipient = user_model(
        pk=values["recipient_id"],
        email=values["email"],
        phone=phone.from_db_value(values["phone"], None, connection),  # type: ignore[attr-defined]
    )
    # Ours: with its lock held, a channel asked for is ``sending`` now only if this statement claimed it.
    claimed = [channel for channel in channels if values[_STATUS_FIELD[channel]] == DeliveryStatus.SENDING]
    return notification, claimed


def _deliver_claimed(*, notification_id: int, channels: list[str], final_attempt: bool) -> dict[str, str]:
    claim = _claim(notification_id, channels)
    if claim is None:
        return {}
    notification, claimed = claim
    rows = Notification.objects.filter(pk=notification_id)
    outcomes: dict[str, str] = {}
    retry: Exception | None = None
    for channel in claimed:
        status_field = _STATUS_FIELD[channel]
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
                    outcomes[channel] = DeliveryStatus.PENDING
                    retry = retry or exc
                    continue
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
        outcomes[channel] = str(outcome[status_field])
    if retry is not None:
        raise retry  # for the task's retry, once every other channel's outcome is recorded
    return outcomes


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
