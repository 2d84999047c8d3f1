"""Enterprises and their quotas over the API: district staff see all, an HR user only its own
enterprise (another's id answers 404, as if it did not exist). Other roles may not use the lists
(403); asking for one enterprise answers them 404. Read-only: slots are spent by the
services that need them (``services.quota_consume``), never directly by a client.

The enterprise's employment claims (``/{id}/employment-claims/``): talents who say they work there,
for its HR (or district staff) to confirm or refuse through ``apps.talents.employment``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import access
from apps.talents import selectors as talent_selectors
from apps.talents import services as talent_services
from apps.talents.models import Talent

from . import selectors
from .models import Enterprise, Quota


class IsStaffOrEnterpriseHR(permissions.BasePermission):
    message = gettext_lazy("只有区人社局工作人员和企业人事可以使用")

    def has_permission(self, request, view) -> bool:
        # The permission matrix: staff reach every enterprise, HR its own.
        return access.may_list(request.user, access.ENTERPRISES)


class EnterpriseSerializer(serializers.ModelSerializer):
    floor_area_m2 = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    is_key_enterprise = serializers.BooleanField(help_text="on this year's key-enterprise service list")

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "industry",
            "zone",
            "kind",
            "is_national",
            "floor_area_m2",
            "graduated_firms",
            "is_key_enterprise",
        ]
        read_only_fields = fields


class QuotaSerializer(serializers.ModelSerializer):
    remaining = serializers.IntegerField()

    class Meta:
        model = Quota
        fields = ["id", "kind", "year", "total", "used", "remaining"]
        read_only_fields = fields


class EnterpriseFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Enterprise.Kind.choices)
    zone = django_filters.CharFilter()
    key_year = django_filters.NumberFilter(
        method="filter_key_year", help_text="on that year's key-enterprise list", min_value=1900, max_value=9999
    )
    search = django_filters.CharFilter(method="filter_search", help_text="name (contains) or credit code")

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def filter_key_year(self, qs, name, value):
        return selectors.enterprises_filter(qs, key_year=int(value))

    def filter_search(self, qs, name, value):
        return selectors.enterprises_filter(qs, search=value)


class _EnterpriseVisibleMixin:
    permission_classes = [permissions.IsAuthenticated, IsStaffOrEnterpriseHR]
    serializer_class = EnterpriseSerializer
    request: Any

    def get_queryset(self):
        return selectors.enterprises_with_key_flag(selectors.enterprises_visible_to(self.request.user))


@extend_schema(tags=["enterprises"], description="District staff: every enterprise; HR: only its own.")
class EnterpriseListView(_EnterpriseVisibleMixin, generics.ListAPIView):
    filterset_class = EnterpriseFilter


@extend_schema(
    tags=["enterprises"],
    description="District staff: any enterprise; HR: only its own. Any other enterprise, and every "
    "enterprise for any other role (a talent, say), answers 404 as if it did not exist.",
)
class EnterpriseDetailView(_EnterpriseVisibleMixin, generics.RetrieveAPIView):
    # Any signed-in account may ask: who sees what is the queryset's business, and an object the
    # caller may not see is a 404 (API.md), not a 403 that would confirm it exists.
    permission_classes = [permissions.IsAuthenticated]


class QuotaFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Quota.Kind.choices)
    year = django_filters.NumberFilter(min_value=1900, max_value=9999)

    class Meta:
        model = Quota
        fields: list[str] = []


@extend_schema(
    tags=["enterprises"], description="The enterprise's quotas: `kind`, `year`, `total`, `used`, `remaining`."
)
class QuotaListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, IsStaffOrEnterpriseHR]
    serializer_class = QuotaSerializer
    filterset_class = QuotaFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request kwargs
            return Quota.objects.none()
        enterprise = generics.get_object_or_404(
            selectors.enterprises_visible_to(self.request.user), pk=self.kwargs["pk"]
        )
        return selectors.quotas_for_enterprise(enterprise_id=enterprise.pk)


# --- Employment claims -------------------------------------------------------------------------


class EmploymentClaimSerializer(serializers.Serializer):
    """Just enough to recognise the person: never a phone, a document or a full resident ID."""

    talent = serializers.IntegerField(source="pk", help_text="the talent's id")
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    employment_status = serializers.ChoiceField(choices=Talent.EmploymentStatus.choices)
    claimed_at = serializers.DateTimeField(
        source="employment_claimed_at", allow_null=True, help_text="since when the talent claims to work here"
    )


class EmploymentRefuseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="why the enterprise does not confirm it; the talent reads it"
    )


def _visible_enterprise(request: Any, pk: int) -> Enterprise:
    return generics.get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)


_DECISION_ERRORS: dict[Any, Any] = {
    403: OpenApiResponse(
        description="the caller's role may not confirm employment (a talent, staff without "
        "talents.confirm_employment), or it is the caller's own"
    ),
    404: OpenApiResponse(
        description="no such enterprise or talent visible to the caller, or the talent does not "
        "claim to work at this enterprise (HR of another enterprise gets this)"
    ),
    409: OpenApiResponse(description="already confirmed (confirm) or already refused (refuse)"),
}


@extend_schema(
    tags=["enterprises"],
    description="Talents who claim to work at the enterprise and wait for it to confirm (status `claimed`), "
    "longest waiting first: `talent`, `name`, `id_number_masked`, `claimed_at`. For the enterprise's HR and "
    "district staff; HR of another enterprise gets 404, other roles 403.",
)
class EmploymentClaimListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, IsStaffOrEnterpriseHR]
    serializer_class = EmploymentClaimSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request kwargs
            return Talent.objects.none()
        enterprise = _visible_enterprise(self.request, self.kwargs["pk"])
        return talent_selectors.employment_claims_pending(enterprise_id=enterprise.pk)


class EmploymentClaimConfirmView(APIView):
    """Confirm that the talent works at this enterprise: from then on the enterprise's HR sees them and may
    apply for them, and their household-registration approval spends this enterprise's indicator. Also
    undoes an earlier refusal. Recorded in the talent's history."""

    permission_classes = [permissions.IsAuthenticated, IsStaffOrEnterpriseHR]

    @extend_schema(
        tags=["enterprises"],
        request=None,
        responses={200: EmploymentClaimSerializer, **_DECISION_ERRORS},
        extensions={"x-no-body": True},
    )
    def post(self, request, pk: int, talent_id: int):
        enterprise = _visible_enterprise(request, pk)
        talent = talent_services.employment_confirm(talent=talent_id, actor=request.user, enterprise_id=enterprise.pk)
        return Response(EmploymentClaimSerializer(talent).data)


class EmploymentClaimRefuseView(APIView):
    """The talent does not (or no longer) work(s) at this enterprise: `reason` required (400 naming it). The
    employment counts for nothing, the talent is notified with the reason, and it is recorded in the talent's
    history. A confirmed employment may be refused too (the person left)."""

    permission_classes = [permissions.IsAuthenticated, IsStaffOrEnterpriseHR]

    @extend_schema(
        tags=["enterprises"],
        request=EmploymentRefuseInputSerializer,
        responses={200: EmploymentClaimSerializer, **_DECISION_ERRORS},
    )
    def post(self, request, pk: int, talent_id: int):
        enterprise = _visible_enterprise(request, pk)
        data = EmploymentRefuseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        talent = talent_services.employment_refuse(
            talent=talent_id, actor=request.user, reason=data.validated_data["reason"], enterprise_id=enterprise.pk
        )
        return Response(EmploymentClaimSerializer(talent).data)
