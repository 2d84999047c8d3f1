"""What every citizen page's header needs: which side of the portal the user has, unread messages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.accounts import roles


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from apps.notifications.selectors import unread_count

        return unread_count(user)

    return {
        "portal_is_talent": user.has_role(roles.TALENT),
        "portal_is_hr": user.has_role(roles.ENTERPRISE_HR),
        # Lazy: a page that never shows the header's badge costs no query for it.
        "unread_notifications": SimpleLazyObject(unread),
    }
