from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model

from apps.core.crypto import pii_hash
from apps.core.identifiers import IdentifierError, phone_validate

User = get_user_model()


def user_by_identifier(identifier: str):
    """The active or inactive account whose username, e-mail or phone is ``identifier``, or None.

    NFKC first, as registration stores usernames: a full-width ａｄｍｉｎ＿ｄｅｍｏ logs in as admin_demo."""
    identifier = unicodedata.normalize("NFKC", identifier or "").strip()
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


def contact_codes_pending(user) -> bool:
    """``user`` registered a phone or e-mail that no code has verified yet."""
    from .models import ContactCode

    return ContactCode.objects.filter(
        user=user, purpose=ContactCode.Purpose.REGISTER, status=ContactCode.Status.PENDING
    ).exists()
