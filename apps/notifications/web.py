"""A user's in-app notifications as a page (``/my/notifications/``), read and unread."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.exceptions import NotFound

from . import selectors, services


@login_required
@require_http_methods(["GET", "HEAD"])
def notifications_page(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.notifications_for_user(request.user), 20)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read, then open what it links to (or go back to the list)."""
    try:
        notification = services.notification_mark_read(notification_id=pk, user=request.user)
    except NotFound:
        raise Http404
    if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("my-notifications")
