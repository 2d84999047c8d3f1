from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

LOCKOUT_MESSAGE = "登录失败次数过多，账户已锁定30分钟 / too many failed logins: locked for 30 minutes"


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer to a locked-out login: 429, JSON for the API, a page for the admin."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": LOCKOUT_MESSAGE}, status=429)
    response = TemplateResponse(request, "accounts/locked_out.html", {"message": LOCKOUT_MESSAGE}, status=429)
    return response.render()
