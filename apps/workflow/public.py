"""What the workflow shows outside the staff admin: the public status lookup (办件查询), the service
catalog with every material (一次性告知), and each application's formal notices.

The lookup answers a wrong phone exactly like an unknown number, is rate-limited per client address,
and does the same work (one indexed query, one decryption) whether or not the number exists.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework import permissions, serializers
from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import PortalTokenAuthentication
from apps.core import crypto
from apps.core.exceptions import NotFound, ValidationFailed
from apps.core.identifiers import phone_normalize
from apps.core.throttling import AddressRateThrottle, page_throttle_wait

from . import notices, selectors
from .models import Application
from .states import Status

# --- the lookup selector -----------------------------------------------------------------------

NUMBER_RE = re.compile(r"^HZ[0-9]{4}-[0-9]{6,12}$")
LAST4_RE = re.compile(r"^[0-9]{4}$")
NOT_FOUND_MESSAGE = gettext_lazy("未找到该办件，请核对申请编号和手机号码后四位")
_LOOKUP_FIELDS = (
    "number",
    "status",
    "submitted_at",
    "accepted_at",
    "decided_at",
    "completed_at",
    "deadline",
    "service__code",
    "service__name",
    "service__name_en",
    "applicant__phone",
)


@dataclass(frozen=True)
class LookupQuery:
    number: str
    phone_last4: str


def lookup_clean(number: Any, phone_last4: Any) -> LookupQuery:
    """Validate the two inputs; ValidationFailed names every bad field."""
    errors: dict[str, list[str]] = {}
    number = str(number or "").strip().upper()
    last4 = str(phone_last4 or "").strip()
    if not number:
        errors["number"] = [gettext("必填")]
    elif not NUMBER_RE.match(number):
        errors["number"] = [gettext("申请编号格式应为 HZ2026-000123")]
    if not last4:
        errors["phone_last4"] = [gettext("必填")]
    elif not LAST4_RE.match(last4):
        errors["phone_last4"] = [gettext("请输入手机号码后四位数字")]
    if errors:
        raise ValidationFailed(errors)
    return LookupQuery(number=number, phone_last4=last4)


@lru_cache(maxsize=1)
def _decoy_token(keys: tuple[str, ...]) -> str:
    # A ciphertext under the current keys: decrypting it costs what decrypting a real phone costs.
    return crypto.encrypt("10000000000")


def _local_date(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        value = timezone.localdate(value)
    return value.isoformat()


def application_public_lookup(*, number: str, phone_last4: str) -> dict[str, Any] | None:
    """Status and dates of the submitted application with this number whose applicant's phone ends in
    ``phone_last4``; None otherwise (unknown number, a draft, or a wrong phone: indistinguishable)."""
    from django.conf import settings

    application = (
        Application.objects.select_related("service", "applicant")
        .only(*_LOOKUP_FIELDS)
        .filter(number=number, submitted_at__isnull=False)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if application is None:
        # No row, so no phone was decrypted: decrypt a decoy so both answers take the same work.
        crypto.decrypt(_decoy_token(tuple(settings.FIELD_ENCRYPTION_KEYS)))
        phone = ""
    else:
        phone = application.applicant.phone or ""  # decrypted when the row was read
    # "----" for no phone: never equal to four digits; compare_digest takes the same time either way.
    tail = phone_normalize(phone)[-4:].rjust(4, "-")
    matched = hmac.compare_digest(tail.encode(), phone_last4.encode())
    if application is None or not matched:
        return None
    return {
        "number": application.number,
        "service": application.service.code,
        # The reader's language: the catalog's English name for an English reader.
        "service_name": application.service.name_en
        if (get_language() or "").startswith("en") and application.service.name_en
        else application.service.name,
        "status": application.status,
        "status_display": str(application.get_status_display()),
        "submitted_on": _local_date(application.submitted_at),
        "accepted_on": _local_date(application.accepted_at),
        "decided_on": _local_date(application.decided_at),
        "completed_on": _local_date(application.completed_at),
        "deadline": _local_date(application.deadline),
    }


class LookupThrottle(AddressRateThrottle):
    """Per client address, scope ``lookup`` (settings: 30/min), shared by the API and the page."""

    scope = "lookup"


# --- API ---------------------------------------------------------------------------------------


class LookupResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    service = serializers.CharField(help_text="service code")
    service_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = serializers.CharField()
    submitted_on = serializers.DateField(allow_null=True)
    accepted_on = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    deadline = serializers.DateField(allow_null=True, help_text="decision deadline while the clock runs")


class LookupView(APIView):
    """办件查询: anyone may look up an application's status with its number and the last four digits of
    the applicant's phone. Nothing personal comes back; a wrong phone answers like an unknown number."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [LookupThrottle]

    @extend_schema(
        operation_id="lookup",
        parameters=[
            OpenApiParameter("number", str, OpenApiParameter.QUERY, required=True, description="e.g. HZ2026-000123"),
            OpenApiParameter("phone_last4", str, OpenApiParameter.QUERY, required=True, description="4 digits"),
        ],
        responses={200: LookupResultSerializer},
        auth=[],
    )
    def get(self, request):
        query = lookup_clean(request.query_params.get("number"), request.query_params.get("phone_last4"))
        result = application_public_lookup(number=query.number, phone_last4=query.phone_last4)
        if result is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        response = Response(LookupResultSerializer(result).data)
        response["Cache-Control"] = "no-store"
        return response


class NoticeLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, notices.TITLES[k]) for k in notices.KINDS])
    title = serializers.CharField()
    url = serializers.CharField(help_text="printable HTML page")


class NoticeListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = NoticeLinkSerializer(many=True)


class ApplicationNoticesView(APIView):
    """The formal notices an application has (受理通知书, 一次性告知书, 不予受理/不予批准决定书), each a
    printable page; for the applicant, the HR user who submitted it, and staff."""

    @extend_schema(operation_id="applications_notices_list", responses={200: NoticeListSerializer})
    def get(self, request, pk: int):
        application = selectors.applications_visible_to(request.user).filter(pk=pk).first()
        if application is None:
            raise NotFound()
        items = notices.notices_for(application)
        return Response({"count": len(items), "next": None, "previous": None, "results": items})


# --- pages -------------------------------------------------------------------------------------


def _page_user(request: HttpRequest) -> Any:
    """The session user, or the owner of an ``Authorization: Token`` header (an API client fetching the
    printable page it was linked to); None when neither."""
    if request.user.is_authenticated:
        return request.user
    api_request = Request(request)
    if get_authorization_header(api_request):
        try:
            found = PortalTokenAuthentication().authenticate(api_request)
        except drf_exceptions.AuthenticationFailed:
            return None
        if found:
            return found[0]
    return None


@never_cache
@require_http_methods(["GET", "HEAD"])
def notice_page(request: HttpRequest, application_id: int, kind: str) -> HttpResponse:
    user = _page_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    application = selectors.applications_visible_to(user).filter(pk=application_id).first()
    context = notices.notice_build(application, kind) if application is not None else None
    if context is None:
        raise Http404("no such notice")
    response = render(request, f"workflow/notices/{kind}.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD"])
def services_page(request: HttpRequest) -> HttpResponse:
    """The service catalog with every material, so an applicant learns everything at once (一次性告知)."""
    return render(request, "workflow/public/services.html", {"services": selectors.services_catalog()})


@require_http_methods(["GET", "HEAD"])
def service_page(request: HttpRequest, code: str) -> HttpResponse:
    """One service's 办事指南: basis, conditions, materials, steps, time limit, fee, place and hours,
    phone — everything told once, from the catalog staff edit."""
    service = selectors.services_catalog().filter(code=code).first()
    if service is None:
        raise Http404("no such service")
    return render(request, "workflow/public/service.html", {"service": service})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lookup_page(request: HttpRequest) -> HttpResponse:
    """The 办件查询 form. POST keeps the phone digits out of addresses and logs; same selector and limit
    as the API."""
    context: dict[str, Any] = {"errors": {}, "result": None, "not_found": False, "values": {}}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("number", "phone_last4")}
        context["values"] = values
        wait = page_throttle_wait(request, LookupThrottle())
        if wait is not None:
            context["throttled"] = True
            response = render(request, "workflow/public/lookup.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        try:
            query = lookup_clean(values["number"], values["phone_last4"])
        except ValidationFailed as exc:
            context["errors"] = exc.as_data()
            status = 400
        else:
            context["result"] = application_public_lookup(number=query.number, phone_last4=query.phone_last4)
            if context["result"] is None:
                context["not_found"] = True
                context["not_found_message"] = NOT_FOUND_MESSAGE
                status = 404
    return render(request, "workflow/public/lookup.html", context, status=status)
