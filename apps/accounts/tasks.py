"""Thin Celery tasks of the accounts app."""

from __future__ import annotations

from django.core.mail import send_mail

from apps.core.sms import send_sms
from apps.core.tasks import portal_task

from . import services


@portal_task(name="accounts.contact_message_send")
def contact_message_send(*, channel: str, to: str, subject: str, body: str) -> None:
    """Deliver a one-time code (or the notice that someone tried a taken contact) to a phone or
    e-mail address that belongs to no account yet. The code lives only in this message: the database
    keeps its keyed hash."""
    if channel == "phone":
        send_sms(to, body)
    else:
        send_mail(subject, body, None, [to], fail_silently=False)


@portal_task(name="accounts.unverified_accounts_purge")
def unverified_accounts_purge() -> int:
    """Hourly: self-registrations never verified within a day, and API tokens past their expiry."""
    return services.unverified_accounts_purge() + services.tokens_expired_purge()
