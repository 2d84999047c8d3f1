"""Domain errors raised by services, and the one handler that turns every error into the contract's shape.

400 ``{"field": ["message"]}`` or ``{"detail": "..."}``; 401; 403 (role or duty conflict); 404 (not
visible, whether or not it exists); 409 (state conflict, a scarce thing exhausted); 429.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


class DomainError(Exception):
    status_code = 400
    default_detail = "invalid request"

    def __init__(self, detail: Any = None, *, field: str | None = None):
        self.detail = detail if detail is not None else self.default_detail
        self.field = field
        super().__init__(str(self.detail))

    def as_data(self) -> dict[str, Any]:
        if isinstance(self.detail, dict):
            return {k: _messages(v) for k, v in self.detail.items()}
        if self.field:
            return {self.field: [str(self.detail)]}
        return {"detail": str(self.detail)}

    def messages_by_field(self) -> dict[str, list[str]]:
        """``as_data`` with every value a list of messages, ``detail`` too (the API's shape keeps it
        one string): what pages and the admin show, never a string walked character by character."""
        return {k: [v] if isinstance(v, str) else [str(m) for m in v] for k, v in self.as_data().items()}


class ValidationFailed(DomainError):
    """Bad input: 400 naming the field."""

    status_code = 400


class NotPermitted(DomainError):
    """The caller's role may not do this, or a separation-of-duties conflict: 403."""

    status_code = 403
    default_detail = "you do not have permission to perform this action"


class NotFound(DomainError):
    """Unknown, or not visible to the caller: 404."""

    status_code = 404
    default_detail = "not found"


class Conflict(DomainError):
    """Wrong state for the action, or a scarce thing is exhausted: 409."""

    status_code = 409
    default_detail = "conflict with the current state"


def _messages(value: Any, prefix: str = "") -> list[str]:
    """Nested errors (a list item's, a nested object's) as flat messages: ``item 1: ...``, ``key: ...``.
    DRF keys a list's errors by index (int); a dict's by its key (str)."""
    if isinstance(value, dict):
        found: list[str] = []
        for key, sub in value.items():
            if isinstance(key, int):
                label = f"item {key + 1}: "
            elif key == api_settings.NON_FIELD_ERRORS_KEY:
                label = ""
            else:
                label = f"{key}: "
            found += _messages(sub, prefix + label)
        return found
    if isinstance(value, list | tuple):
        found = []
        for index, sub in enumerate(value):
            if isinstance(sub, dict | list | tuple):
                # A list serializer's errors: one entry per item, empty for the items that were fine.
                found += _messages(sub, f"{prefix}item {index + 1}: ")
            else:
                found.append(f"{prefix}{sub}")
        return found
    return [f"{prefix}{value}"]


def _flat(data: Any) -> Any:
    """Every field maps to a list of strings, as the contract's 400 shape says; ``detail`` stays a string."""
    if not isinstance(data, dict):
        return data
    return {
        key: value if key == "detail" and isinstance(value, str) else _messages(value) for key, value in data.items()
    }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_data(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data: dict[str, Any] = {
                field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()
            }
        else:
            data = {"detail": " ".join(exc.messages)}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, drf_exceptions.ValidationError):
        data = response.data
        # An error about the body as a whole (a JSON list instead of an object, a serializer's
        # validate()) is no field's: the contract's shape for it is {"detail": "..."}.
        if isinstance(data, dict) and list(data) == [api_settings.NON_FIELD_ERRORS_KEY]:
            data = data[api_settings.NON_FIELD_ERRORS_KEY]
        if isinstance(data, list):
            response.data = {"detail": " ".join(_messages(data))}
        else:
            response.data = _flat(data)
    return response
