"""Log in with a username, a phone number or an e-mail address."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from apps.core.crypto import pii_hash
from apps.core.identifiers import IdentifierError, phone_validate

from . import selectors


class IdentifierBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if username is None:
            username = kwargs.get("email") or kwargs.get("phone")
        if not username or not password:
            return None
        user = selectors.user_by_identifier(username)
        if user is None:
            # Same work as a real check, so the answer's timing does not tell who exists.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """django-axes counts failures per account: a username, phone and e-mail of one account are one.

    What this returns is stored in ``AccessAttempt.username``, a plain indexed column. A mobile
    number that matches no account is personal data too, so it goes there as ``phone:`` and the
    start of its keyed hash: the same number in any spelling still counts as one identifier (and
    locks after the limit), but the digits are never written."""
    raw = (credentials or {}).get("username") or ""
    user = selectors.user_by_identifier(raw) if raw else None
    if user is not None:
        return user.username
    try:
        phone = phone_validate(raw)
    except IdentifierError:
        return unicodedata.normalize("NFKC", raw).strip().lower()
    return "phone:" + pii_hash(phone)[:16]
