"""Delivery tasks: thin and idempotent; each takes a notification id and calls the delivery service.

Built with ``portal_task``: on a worker a failed send is retried with exponential backoff up to
``max_retries``, and the last attempt records the failure instead of raising, so the row ends
``failed``, never stuck. Run eagerly (the embedded default, inside the web request that committed)
there is no backoff to wait for, so the first failure is final and is recorded, not raised.
"""

from __future__ import annotations

from typing import Any

from apps.core.tasks import portal_task

from . import channels, services


def _final_attempt(task: Any) -> bool:
    return bool(task.request.is_eager) or task.request.retries >= task.max_retries


def _deliver(task: Any, notification_id: int, channel: str) -> str:
    return services.notification_deliver(
        notification_id=notification_id, channel=channel, final_attempt=_final_attempt(task)
    )


@portal_task(bind=True, name="notifications.deliver")
def deliver(self: Any, notification_id: int, channels: list[str]) -> dict[str, str]:
    """Several channels of one notification (what ``notify`` enqueues when more than one is pending):
    one message, one claim; a retry sends only what is still pending."""
    return services.notification_deliver_channels(
        notification_id=notification_id, channels=channels, final_attempt=_final_attempt(self)
    )


@portal_task(bind=True, name="notifications.deliver_email")
def deliver_email(self: Any, notification_id: int) -> str:
    return _deliver(self, notification_id, channels.EMAIL)


@portal_task(bind=True, name="notifications.deliver_sms")
def deliver_sms(self: Any, notification_id: int) -> str:
    return _deliver(self, notification_id, channels.SMS)


@portal_task(name="notifications.redeliver_pending")
def redeliver_pending() -> int:
    """For the beat schedule (e.g. every 10 minutes): deliveries whose enqueue was lost go out again."""
    return services.notifications_redeliver_pending()
