"""Receivers of Django's auth signals. They only annotate the request; writes stay in services."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def remember_language_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """After a login, the language the user chose before comes back: ``UserLanguageCookieMiddleware``
    sets the language cookie on this response from ``request._portal_language``."""
    language = getattr(user, "language", "")
    if request is not None and language in dict(settings.LANGUAGES):
        request._portal_language = language
