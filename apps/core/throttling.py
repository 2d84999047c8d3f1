"""Rate limits keyed on the client's address, shared by API views and pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class AddressRateThrottle(SimpleRateThrottle):
    """Per client address under ``scope`` (rates in settings).

    The address is REMOTE_ADDR unless ``NUM_PROXIES`` says how many proxies to trust: DRF's default
    would otherwise believe any X-Forwarded-For a client sends and let it dodge the limit."""

    def get_ident(self, request: Any) -> str:
        if api_settings.NUM_PROXIES is not None:
            return super().get_ident(request)
        return request.META.get("REMOTE_ADDR") or "unknown"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def page_throttle_wait(request: HttpRequest, throttle: SimpleRateThrottle) -> int | None:
    """For a page (not a DRF view): None when ``request`` may go on (and counts it), else the seconds
    to wait before trying again."""
    if throttle.allow_request(Request(request), None):  # type: ignore[arg-type]  # no view: it is not one
        return None
    wait = throttle.wait()
    return int(wait or 0) + 1
