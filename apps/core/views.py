from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


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
