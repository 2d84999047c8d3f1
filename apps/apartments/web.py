"""The talent's apartment page (``/my/offers/``): offers with rank, how many wait ahead, accept or
decline (each behind a confirmation); places on waitlists; the lease and a renewal request. Calls the
same services and selectors as the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import roles
from apps.core.exceptions import DomainError, NotFound

from . import selectors, services
from .models import Offer


def _talent(request: HttpRequest) -> None:
    if not request.user.has_role(roles.TALENT):
        raise PermissionDenied


def _error_text(exc: DomainError) -> str:
    return " ".join(m for ms in exc.messages_by_field().values() for m in ms)


@login_required
@require_http_methods(["GET", "HEAD"])
def offers_page(request: HttpRequest) -> HttpResponse:
    _talent(request)
    offers = list(selectors.offers_list(request.user)[:50])
    ahead = selectors.ahead_by_offer(offers)
    rows = [{"offer": o, "ahead": ahead.get(o.pk, 0)} for o in offers]
    leases = list(selectors.leases_list(request.user)[:20])
    return render(
        request,
        "apartments/my_offers.html",
        {
            "rows": rows,
            "waiting": selectors.waiting_for(request.user),
            "leases": leases,
            "pending": Offer.Status.PENDING,
        },
    )


@login_required
@require_POST
def offer_answer(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    _talent(request)
    if not selectors.offers_visible_to(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        if answer == "accept":
            services.offer_accept(offer_id=pk, user=request.user)
            messages.success(request, _("已接受配租。租约已生效，请按通知办理入住。"))
        else:
            services.offer_decline(offer_id=pk, user=request.user)
            messages.success(request, _("已放弃配租，房源将配租给下一位轮候人。"))
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("my-offers")


@login_required
@require_POST
def lease_renewal(request: HttpRequest, pk: int) -> HttpResponse:
    _talent(request)
    if not selectors.leases_visible_to(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        services.lease_renewal_request(
            lease_id=pk,
            user=request.user,
            requested_end=request.POST.get("requested_end", ""),
            note=request.POST.get("note", "")[:1000],
        )
        messages.success(request, _("续租申请已提交，审核结果会通知您。"))
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("my-offers")
