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


class OverviewView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDistrictStaff]

    @extend_schema(responses=OverviewSerializer, tags=["stats"])
    def get(self, request):
        return Response(OverviewSerializer(selectors.district_overview()).data)
