"""Enterprises and their quotas over the API: district staff see all, an HR user only its own
enterprise (another's id answers 404, as if it did not exist). Other roles may not use the lists
(403); asking for one enterprise answers them 404. Read-only: slots are spent by the
services that need them (``services.quota_consume``), never directly by a client."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers

from apps.accounts import roles

from . import selectors
from .models import Enterprise, Quota


class IsStaffOrEnterpriseHR(permissions.BasePermission):
    message = gettext_lazy("只有区人社局工作人员和企业人事可以使用")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_district_staff or user.has_role(roles.ENTERPRISE_HR)))


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
