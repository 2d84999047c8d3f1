from __future__ import annotations

from django.contrib.auth import get_user_model

from apps.core.crypto import pii_hash
from apps.core.identifiers import IdentifierError, phone_validate

User = get_user_model()


def user_by_identifier(identifier: str):
    """The active or inactive account whose username, e-mail or phone is ``identifier``, or None."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier).first()
    user = User.objects.filter(username__iexact=identifier).first()
    if user is not None:
        return user
    try:
        phone = phone_validate(identifier)
    except IdentifierError:
        return None
    return User.objects.filter(phone_hash=pii_hash(phone)).first()
