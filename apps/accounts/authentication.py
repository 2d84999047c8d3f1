"""API token authentication: django-rest-knox tokens, with the staff idle rule.

Clients send ``Authorization: Token <token>`` as before. A talent's or HR user's token ends
``API_TOKEN_TTL_SECONDS`` after it was issued; a staff token ends after ``STAFF_IDLE_TIMEOUT_SECONDS``
without a request, like a staff session (``StaffIdleTimeoutMiddleware``): each use moves its expiry
forward, never past ``API_TOKEN_TTL_SECONDS`` from its issue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.settings import knox_settings
from knox.signals import token_expired


def token_expiry_for(user: Any, *, created: dt.datetime, now: dt.datetime | None = None) -> dt.datetime:
    """When a token of ``user`` issued at ``created`` and used ``now`` ends."""
    now = now or timezone.now()
    hard_end = created + knox_settings.TOKEN_TTL
    if user.is_staff:
        return min(now + dt.timedelta(seconds=settings.STAFF_IDLE_TIMEOUT_SECONDS), hard_end)
    return hard_end


class PortalTokenAuthentication(TokenAuthentication):
    """knox's token check (an expired token is refused and deleted), plus the staff idle window."""

    def _cleanup_token(self, auth_token: Any) -> bool:
        # knox also reads every other token of the user on each request to delete the expired ones:
        # one more query on every API call. They cannot authenticate anyway; the hourly
        # ``accounts.unverified_accounts_purge`` task deletes them (``services.tokens_expired_purge``).
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user, auth_token = super().validate_user(auth_token)
        if user.is_staff and auth_token.expiry is not None:
            expiry = token_expiry_for(user, created=auth_token.created)
            # Written at most once a minute per token: a burst of requests costs one UPDATE.
            if abs((expiry - auth_token.expiry).total_seconds()) > knox_settings.MIN_REFRESH_INTERVAL:
                auth_token.expiry = expiry
                auth_token.save(update_fields=["expiry"])
        return user, auth_token


class PortalTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of ``PortalTokenAuthentication``: ``Authorization: Token <token>``."""

    target_class = "apps.accounts.authentication.PortalTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> Any:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
