"""Addresses that leave the site (e-mail, SMS, printed notices) are absolute: ``PORTAL_BASE_URL`` + path."""

from __future__ import annotations

from django.conf import settings


def absolute(path: str) -> str:
    """``path`` as a URL a person can open from an e-mail, an SMS or a printed notice."""
    return getattr(settings, "PORTAL_BASE_URL", "").rstrip("/") + path
