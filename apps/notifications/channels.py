"""Channel adapters: where a notification goes outside the portal and how it is worded there.

E-mail goes through Django's mail (``EMAIL_BACKEND``: console by default, SMTP in production); SMS
through ``apps.core.sms.send_sms`` (``SMS_BACKEND``). The in-app record is the notification row itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.mail import send_mail

from apps.core.links import absolute
from apps.core.sms import send_sms

from . import kinds
from .models import Notification

INAPP = "inapp"
EMAIL = "email"
SMS = "sms"
ALL = (INAPP, EMAIL, SMS)
EXTERNAL = (EMAIL, SMS)


def email_address(user: Any) -> str:
    return (user.email or "").strip()


def sms_number(user: Any) -> str:
    return (user.phone or "").strip()


def address(channel: str, user: Any, sms_to: str = "") -> str:
    """Where ``channel`` reaches ``user`` now (``sms_to`` instead of the user's phone if given), or ""
    when it cannot (no e-mail, no phone)."""
    if channel == EMAIL:
        return email_address(user)
    return (sms_to or "").strip() or sms_number(user)


def email_text(notification: Notification) -> str:
    language = kinds.language_for(notification.language)
    parts = [notification.body]
    if notification.link:
        parts.append(f"{kinds.EMAIL_LINK_LABEL[language]}: {absolute(notification.link)}")
    parts.append(kinds.EMAIL_FOOTER[language])
    return "\n\n".join(part for part in parts if part)


def sms_text(notification: Notification) -> str:
    language = kinds.language_for(notification.language)
    separator = "：" if language == kinds.ZH else ": "
    text = f"{kinds.SMS_SIGNATURE[language]}{notification.title}"
    body = notification.body.replace("\n", " ")
    text = f"{text}{separator}{body}" if body else text
    if notification.link:
        # The page to open, as a full address: a text message is read on the phone that has the portal.
        text = f"{text} {absolute(notification.link)}"
    return text


def deliver_email(notification: Notification, to: str) -> None:
    send_mail(notification.title, email_text(notification), None, [to], fail_silently=False)


def deliver_sms(notification: Notification, to: str) -> None:
    send_sms(to, sms_text(notification))


SENDERS: dict[str, Callable[[Notification, str], None]] = {EMAIL: deliver_email, SMS: deliver_sms}
