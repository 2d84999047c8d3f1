"""Request-level guards (before anything reads the body) and response headers: the Content-Security-
Policy per path, no caching of personal data."""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext


def _size(n: int) -> str:
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


class RequestSizeLimitMiddleware:
    """Answer 413 for a body declared larger than ``settings.MAX_REQUEST_BYTES``, before Django
    reads it: a multipart upload is otherwise streamed to a temporary file in full, and only then
    does the upload's own size check refuse it. Bodies sent without a Content-Length (chunked) are
    for the front web server's limit (nginx ``client_max_body_size``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads a malformed length as an empty body too
        if limit and length > limit:
            # Before LocaleMiddleware: answer in the language the request asks for all the same.
            with translation.override(translation.get_language_from_request(request)):
                detail = gettext("请求过大，不能超过%(limit)s") % {"limit": _size(limit)}
            return JsonResponse({"detail": detail}, status=413)
        return self.get_response(request)


class PersonalDataNoStoreMiddleware:
    """``Cache-Control: no-store`` (and ``Pragma: no-cache`` for HTTP/1.0 caches) on every response
    that may carry personal data, so neither the browser nor a shared cache keeps a copy: every
    response to a signed-in caller (session or API token: DRF sets the token's user on the request),
    every file download, and every request that sent credentials. Anonymous public pages stay
    cacheable. A view that set its own ``Cache-Control`` keeps it, with ``no-store`` added when it
    lacks it (the admin's ``never_cache`` already says it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self._personal(request, response):
            patch_cache_control(response, no_store=True, private=True)
            response.setdefault("Pragma", "no-cache")
        return response

    @staticmethod
    def _personal(request: HttpRequest, response: HttpResponse) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        if "HTTP_AUTHORIZATION" in request.META:
            return True
        return isinstance(response, FileResponse) or response.get("Content-Disposition", "").startswith("attachment")


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with a policy per path prefix: ``CSP_PATH_OVERRIDES`` maps a prefix to
    directives that replace the site-wide policy's there (``csp_replace`` for views we do not
    write, such as the Django admin's). A view's own ``csp_replace``/``csp_update`` still wins."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if parts.replace is None:
            for prefix, directives in getattr(settings, "CSP_PATH_OVERRIDES", {}).items():
                if request.path_info.startswith(prefix):
                    parts.replace = directives
                    break
        return parts
