"""Request-level guards that must run before anything reads the body."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
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
