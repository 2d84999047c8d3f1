"""The project's URLs plus bare Django views under ``/bench/bare/`` for ``bench/load.py``.

Each bare view returns the same rows as its project twin, fetched by primary key with
``.values()`` and answered with ``JsonResponse``: no authentication, permissions, serializer,
pagination or masking. They exist only in ``bench.settings_load``, never in the project's URLs.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path

from apps.talents.models import Talent
from apps.workflow.models import Application
from talentportal.urls import urlpatterns as project_urlpatterns

APPLICATION_FIELDS = (
    "id",
    "number",
    "service_id",
    "status",
    "applicant_id",
    "submitted_by_id",
    "enterprise_id",
    "data",
    "priority",
    "assignee_id",
    "submitted_at",
    "accepted_at",
    "deadline",
    "supplement_deadline",
    "missing_materials",
    "problems",
    "reject_reason",
    "decided_at",
    "completed_at",
    "result",
    "precheck_report",
    "created_at",
    "updated_at",
)
TALENT_FIELDS = (
    "id",
    "name",
    "email",
    "education",
    "degree",
    "field",
    "employer_id",
    "employment_status",
    "employment_confirmed_at",
    "is_green_card_holder",
    "user_id",
    "updated_at",
)


def _ids(request: HttpRequest) -> list[int]:
    try:
        return [int(part) for part in request.GET.get("ids", "").split(",") if part]
    except ValueError:
        raise Http404 from None


def _by_ids(queryset, ids: list[int], fields: tuple[str, ...]) -> list[dict]:
    rows = {row["id"]: row for row in queryset.filter(pk__in=ids).values(*fields)}
    return [rows[pk] for pk in ids if pk in rows]


def bare_applications(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"results": _by_ids(Application.objects, _ids(request), APPLICATION_FIELDS)})


def bare_application(request: HttpRequest, pk: int) -> JsonResponse:
    row = Application.objects.filter(pk=pk).values(*APPLICATION_FIELDS).first()
    if row is None:
        raise Http404
    return JsonResponse(row)


def bare_talents(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"results": _by_ids(Talent.objects, _ids(request), TALENT_FIELDS)})


urlpatterns = [
    path("bench/bare/applications/", bare_applications),
    path("bench/bare/applications/<int:pk>/", bare_application),
    path("bench/bare/talents/", bare_talents),
    *project_urlpatterns,
]
handler404 = "apps.core.views.not_found"
handler403 = "apps.core.views.permission_denied"
handler500 = "apps.core.views.server_error"
