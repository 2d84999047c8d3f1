"""SMS backends. Pluggable through ``settings.SMS_BACKEND``; a real gateway adapter implements ``send``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    def send(self, to: str, body: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes the message to the log (the embedded default), with the number masked."""

    def send(self, to: str, body: str) -> None:
        from .identifiers import phone_mask

        logger.info("SMS to %s: %s", phone_mask(to), body)
        print(f"[SMS to {phone_mask(to)}] {body}")


class MemorySmsBackend(BaseSmsBackend):
    """Keeps messages in ``outbox`` for tests."""

    outbox: list[SmsMessage] = []

    def send(self, to: str, body: str) -> None:
        MemorySmsBackend.outbox.append(SmsMessage(to=to, body=body))


def send_sms(to: str, body: str) -> None:
    backend_cls = import_string(settings.SMS_BACKEND)
    backend_cls().send(to, body)
