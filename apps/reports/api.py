"""``GET /api/v1/stats/overview/``: the district figures, for district staff."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors


class IsDistrictStaff(permissions.BasePermission):
    message = gettext_lazy("只有区人社局工作人员可以查看")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_district_staff)


class CategoryFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="high-level categories: each talent once, under the highest held")
    city_total = serializers.IntegerField(allow_null=True)
    share_percent = serializers.FloatField(allow_null=True, help_text="count / city_total, rounded to 1 decimal")


class IncubatorFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    floor_area_m2 = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    graduated_firms = serializers.IntegerField()


class MakerSpaceFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    national = serializers.IntegerField()


class ShortageFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    enterprises = serializers.IntegerField(help_text="distinct enterprises that introduced them")


class SchoolFiguresSerializer(serializers.Serializer):
    """School places (apps.schools): this year's quota and the results of this year's runs."""

    year = serializers.IntegerField()
    quota_enterprises = serializers.IntegerField()
    quota_total = serializers.IntegerField()
    quota_used = serializers.IntegerField()
    nominations = serializers.IntegerField(help_text="not withdrawn")
    assigned = serializers.IntegerField()
    unassigned = serializers.IntegerField()
    first_choice_share = serializers.FloatField(help_text="percent of this year's run nominations")
    top3_share = serializers.FloatField()
    unassigned_share = serializers.FloatField()


class ApartmentFiguresSerializer(serializers.Serializer):
    """Talent apartments (apps.apartments): the stock by status; more at /api/v1/apartments/occupancy/."""

    units_total = serializers.IntegerField()
    units_by_status = serializers.DictField(child=serializers.IntegerField(), help_text="{status: units}")
    occupancy_percent = serializers.FloatField(help_text="occupied units, percent of all")


class OverviewSerializer(serializers.Serializer):
    categories = CategoryFigureSerializer(many=True)
    high_level_total = serializers.IntegerField()
    postdocs = serializers.IntegerField()
    key_enterprises = serializers.IntegerField(help_text="on the current year's key-enterprise list")
    incubators = IncubatorFiguresSerializer()
    maker_spaces = MakerSpaceFiguresSerializer()
    shortage_talents = ShortageFiguresSerializer()
    applications = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="{service code: {status: count}}",
    )
    schools = SchoolFiguresSerializer()
    apartments = ApartmentFiguresSerializer()


class OverviewView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDistrictStaff]

    @extend_schema(responses=OverviewSerializer, tags=["stats"])
    def get(self, request):
        return Response(OverviewSerializer(selectors.district_overview()).data)
