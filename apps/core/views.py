from __future__ import annotations

import sys

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext
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


# The database unreachable (refused, dropped, restarting): a 503 to try again, not a 500. Django's
# connection handling reconnects on a later request once the server is back.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database is down: JSON for the API, a page for people, rendered without the
    request (a context processor would ask the database for the user)."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": gettext("服务暂时不可用，请稍后再试")}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: JSON for the API, the portal's page for people (no stack trace either way);
    503 when the error was the database being unreachable, wherever it was raised (a view, DRF's
    authentication, a middleware loading the user)."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "server error"}, status=500)
    return defaults.server_error(request)
