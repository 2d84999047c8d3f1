"""Thin, idempotent Celery tasks over the apartments services (beat schedule in settings)."""

from apps.core.tasks import portal_task

from . import services


@portal_task(name="apartments.offers_expire_due")
def offers_expire_due() -> int:
    """Offers past their respond-by day expire and their units pass on; each offer changes once."""
    return services.offers_expire_due()


@portal_task(name="apartments.offers_remind")
def offers_remind() -> int:
    """One reminder on an offer's last day to answer, claimed by a conditional UPDATE."""
    return services.offers_remind()


@portal_task(name="apartments.leases_remind_expiring")
def leases_remind_expiring() -> int:
    """One reminder per lease end, 60 days before it."""
    return services.leases_remind_expiring()
