from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults


def home(request: HttpRequest) -> HttpResponse:
    from apps.workflow.selectors import services_catalog

    return render(request, "home.html", {"services": services_catalog()})


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for the load balancer and docker-compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        db_ok = False
    return JsonResponse({"status": "ok" if db_ok else "error", "database": db_ok}, status=200 if db_ok else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: an API client gets the API's JSON error for a path no route matches (an
    upper-case action, a non-numeric id), not an HTML page; everyone else gets the normal page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "not found"}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: JSON for the API, the portal's page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "permission denied"}, status=403)
    return defaults.permission_denied(request, exception or PermissionDenied())


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: JSON for the API, the portal's page for people (no stack trace either way)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "server error"}, status=500)
    return defaults.server_error(request)
