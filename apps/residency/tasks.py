"""Thin, idempotent Celery tasks over the residency services."""

from apps.core.tasks import portal_task

from . import services


@portal_task(name="residency.green_card_expiry_scan")
def green_card_expiry_scan() -> dict:
    """Daily (beat): reminders claimed once per card, so a doubled or retried run sends nothing twice."""
    return services.green_card_expiry_scan()
