"""Receivers of Django's auth and model signals. They annotate the request or call a service; the
writes stay in services."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def remember_language_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """After a login, the language the user chose before comes back: ``UserLanguageCookieMiddleware``
    sets the language cookie on this response from ``request._portal_language``."""
    language = getattr(user, "language", "")
    if request is not None and language in dict(settings.LANGUAGES):
        request._portal_language = language


def revoke_tokens_on_password_change(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A password changed anywhere (the API, a page, the admin, ``changepassword``) ends every API
    token of the account. ``set_password()`` keeps the new raw password in ``_password`` until the
    save that stores it has run its ``post_save``; a hash upgrade at login clears it first."""
    if created or getattr(instance, "_password", None) is None:
        return
    from .services import tokens_revoke_all

    tokens_revoke_all(user=instance)
