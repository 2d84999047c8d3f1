"""Talent apartments over the API (``/api/v1/apartments/``): thin; the rules live in ``services``.

Batches and their draws are public (the seed only after the draw); units, occupancy and every
lease are for district staff; offers and leases for the talent they belong to.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import roles
from apps.core.exceptions import ValidationFailed

from . import selectors, services
from .models import Batch, Layout, Lease, Offer, RenewalRequest, Unit


class IsDistrictStaff(permissions.BasePermission):
    message = gettext_lazy("只有区人社局工作人员可以使用")

    def has_permission(self, request, view) -> bool:
        return selectors.is_staff(request.user)


class IsTalentOrStaff(permissions.BasePermission):
    message = gettext_lazy("只有人才本人和区人社局工作人员可以使用")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return selectors.is_staff(user) or user.has_role(roles.TALENT)


def _body(request: Any) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ValidationFailed(gettext("请求内容须为JSON对象"))
    return request.data


# --- units --------------------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    building = serializers.CharField(source="building.name")
    area_m2 = serializers.DecimalField(max_digits=7, decimal_places=2)
    rent = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="yuan a month")

    class Meta:
        model = Unit
        fields = ["id", "building", "number", "layout", "area_m2", "rent", "furnished", "status"]
        read_only_fields = fields


class UnitFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Unit.Status.choices)
    layout = django_filters.ChoiceFilter(choices=Layout.choices)

    class Meta:
        model = Unit
        fields: list[str] = []


@extend_schema(tags=["apartments"], description="The apartment stock (district staff); filters `status`, `layout`.")
class UnitListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, IsDistrictStaff]
    serializer_class = UnitSerializer
    filterset_class = UnitFilter

    def get_queryset(self):
        return selectors.units_list()


# --- batches ------------------------------------------------------------------------------------


class LayoutCountSerializer(serializers.Serializer):
    layout = serializers.CharField()
    units = serializers.IntegerField()


class BatchSerializer(serializers.ModelSerializer):
    layouts = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()
    manifest_sha256 = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "name",
            "status",
            "opens_on",
            "closes_on",
            "eligible_categories",
            "layouts",
            "units",
            "points_rule",
            "commitment",
            "manifest_sha256",
            "draw_round",
            "drawn_at",
        ]
        read_only_fields = fields

    @extend_schema_field(LayoutCountSerializer(many=True))
    def get_layouts(self, batch: Batch) -> list[dict[str, Any]]:
        return selectors.batch_layouts(batch)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_units(self, batch: Batch) -> list[int]:
        return [bu.unit_id for bu in batch.batch_units.all()]

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="published at freeze"))
    def get_manifest_sha256(self, batch: Batch) -> str | None:
        return batch.manifest_sha256 or None


class BatchInputSerializer(serializers.Serializer):
    """Documents the body; ``services.batch_create`` checks it (400 naming the field, 409 a unit not available)."""

    name = serializers.CharField(max_length=100)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    units = serializers.ListField(child=serializers.IntegerField(), help_text="unit ids, each available")
    eligible_categories = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="category codes; empty = any verified talent"
    )
    points_rule = serializers.DictField(
        required=False,
        help_text='{"category_levels": {"1": 60, "2": 50}, "key_enterprise": 20, "per_year_in_district": 5, '
        '"max_years": 5}: integer points on verified facts only',
    )


_ADMIN_ERRORS: dict[Any, Any] = {
    401: OpenApiResponse(description="not logged in"),
    403: OpenApiResponse(description="not a district admin"),
    404: OpenApiResponse(description="no such batch"),
}


class BatchListView(generics.ListCreateAPIView):
    serializer_class = BatchSerializer

    def get_permissions(self):
        if self.request.method == "GET":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        return selectors.batches_list()

    @extend_schema(tags=["apartments"], description="Every batch (anyone): the commitment, never the seed.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["apartments"],
        request=BatchInputSerializer,
        responses={
            201: BatchSerializer,
            400: OpenApiResponse(description="bad field, named"),
            **{k: v for k, v in _ADMIN_ERRORS.items() if k != 404},
            409: OpenApiResponse(description="a unit is not available (named)"),
        },
        description="District admin: release units in a batch; the seed is drawn and its commitment published.",
    )
    def post(self, request, *args, **kwargs):
        body = _body(request)
        batch = services.batch_create(
            actor=request.user,
            name=body.get("name"),
            opens_on=body.get("opens_on"),
            closes_on=body.get("closes_on"),
            units=body.get("units"),
            eligible_categories=body.get("eligible_categories"),
            points_rule=body.get("points_rule"),
        )
        return Response(BatchSerializer(selectors.batches_list().get(pk=batch.pk)).data, status=201)


@extend_schema(tags=["apartments"], description="One batch (anyone).")
class BatchDetailView(generics.RetrieveAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = BatchSerializer

    def get_queryset(self):
        return selectors.batches_list()


class BatchFreezeView(APIView):
    @extend_schema(
        tags=["apartments"],
        request=None,
        extensions={"x-no-body": True},
        responses={200: BatchSerializer, **_ADMIN_ERRORS, 409: OpenApiResponse(description="not open")},
        description="District admin: close the batch; its approved applications are scored and the manifest "
        "and its hash published.",
    )
    def post(self, request, pk: int):
        services.batch_freeze(batch_id=pk, actor=request.user)
        return Response(BatchSerializer(selectors.batches_list().get(pk=pk)).data)


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    layout = serializers.CharField()


class ManifestEntrySerializer(serializers.Serializer):
    number = serializers.CharField()
    score = serializers.IntegerField()


class PreviousDrawSerializer(serializers.Serializer):
    draw_round = serializers.IntegerField()
    reason = serializers.CharField()
    commitment = serializers.CharField()
    seed_hex = serializers.CharField()
    manifest_sha256 = serializers.CharField()
    ranking = serializers.ListField(child=serializers.CharField())
    allocation = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    drawn_at = serializers.DateTimeField(allow_null=True)
    redrawn_at = serializers.DateTimeField()


class DrawSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    status = serializers.CharField()
    commitment = serializers.CharField(help_text="sha256(seed_hex), published at creation")
    seed_hex = serializers.CharField(allow_null=True, help_text="revealed by the draw; null before")
    manifest = ManifestEntrySerializer(many=True)
    manifest_sha256 = serializers.CharField(allow_null=True)
    ranking = serializers.ListField(child=serializers.CharField())
    allocation = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    waitlists = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    units = UnitRefSerializer(many=True)
    preferences = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    draw_round = serializers.IntegerField()
    drawn_at = serializers.DateTimeField(allow_null=True)
    redraws = serializers.IntegerField()
    previous_draws = PreviousDrawSerializer(many=True)


class BatchDrawView(APIView):
    def get_permissions(self):
        if self.request.method == "GET":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        tags=["apartments"],
        responses={200: DrawSerializer, 404: OpenApiResponse(description="no such batch")},
        description="Anyone: everything needed to recompute the draw (scripts/verify_apartment_draw.py).",
    )
    def get(self, request, pk: int):
        batch = generics.get_object_or_404(Batch.objects.all(), pk=pk)
        return Response(DrawSerializer(selectors.draw_public(batch)).data)

    @extend_schema(
        tags=["apartments"],
        request=None,
        extensions={"x-no-body": True},
        responses={
            200: DrawSerializer,
            **_ADMIN_ERRORS,
            409: OpenApiResponse(description="drawn already, or not frozen"),
        },
        description="District admin: reveal the seed, rank, allocate and make the offers. Once.",
    )
    def post(self, request, pk: int):
        batch = services.batch_draw(batch_id=pk, actor=request.user)
        return Response(DrawSerializer(selectors.draw_public(batch)).data)


class RedrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class BatchRedrawView(APIView):
    @extend_schema(
        tags=["apartments"],
        request=RedrawInputSerializer,
        responses={
            200: BatchSerializer,
            400: OpenApiResponse(description="no reason"),
            **_ADMIN_ERRORS,
            409: OpenApiResponse(description="not drawn, or an offer was accepted"),
        },
        description="District admin: set the draw aside (kept public with the reason); a new commitment; "
        "the batch is frozen again, to be drawn anew.",
    )
    def post(self, request, pk: int):
        services.batch_redraw(batch_id=pk, actor=request.user, reason=_body(request).get("reason"))
        return Response(BatchSerializer(selectors.batches_list().get(pk=pk)).data)


# --- offers -------------------------------------------------------------------------------------


class OfferSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number")
    layout = serializers.CharField(source="unit.layout")
    rent = serializers.DecimalField(source="unit.rent", max_digits=10, decimal_places=2)
    unit_name = serializers.CharField(source="unit.__str__")
    ahead = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = [
            "id",
            "batch",
            "application_number",
            "unit",
            "unit_name",
            "layout",
            "rent",
            "status",
            "respond_by",
            "rank",
            "ahead",
        ]
        read_only_fields = fields

    def get_ahead(self, offer: Offer) -> int:
        return self.context.get("ahead", {}).get(offer.pk, 0)


class OfferFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Offer.Status.choices)
    batch = django_filters.NumberFilter(min_value=1, max_value=2**31 - 1)

    class Meta:
        model = Offer
        fields: list[str] = []


@extend_schema(
    tags=["apartments"],
    description="Offers: a talent's own, every offer for staff. `rank` is the place in the draw's ranking, "
    "`ahead` how many still wait ahead on that layout's waitlist.",
)
class OfferListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, IsTalentOrStaff]
    serializer_class = OfferSerializer
    filterset_class = OfferFilter

    def get_queryset(self):
        return selectors.offers_list(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        context = {**self.get_serializer_context(), "ahead": selectors.ahead_by_offer(page)}
        return self.get_paginated_response(OfferSerializer(page, many=True, context=context).data)


_OFFER_ERRORS: dict[Any, Any] = {
    401: OpenApiResponse(description="not logged in"),
    403: OpenApiResponse(description="not the offered talent (staff)"),
    404: OpenApiResponse(description="no such offer visible to the caller"),
    409: OpenApiResponse(description="not pending, or past its respond-by day"),
}


def _offer_answer(offer: Offer) -> dict[str, Any]:
    offer = Offer.objects.select_related("application", "unit__building", "batch").get(pk=offer.pk)
    return OfferSerializer(offer, context={"ahead": selectors.ahead_by_offer([offer])}).data


class OfferAcceptView(APIView):
    @extend_schema(
        tags=["apartments"],
        request=None,
        extensions={"x-no-body": True},
        responses={200: OfferSerializer, **_OFFER_ERRORS},
    )
    def post(self, request, pk: int):
        return Response(_offer_answer(services.offer_accept(offer_id=pk, user=request.user)))


class OfferDeclineView(APIView):
    @extend_schema(
        tags=["apartments"],
        request=None,
        extensions={"x-no-body": True},
        responses={200: OfferSerializer, **_OFFER_ERRORS},
        description="The unit goes to the next on the waitlist who wants its layout.",
    )
    def post(self, request, pk: int):
        return Response(_offer_answer(services.offer_decline(offer_id=pk, user=request.user)))


# --- leases -------------------------------------------------------------------------------------


class RenewalSerializer(serializers.ModelSerializer):
    class Meta:
        model = RenewalRequest
        fields = ["id", "requested_end", "note", "status", "created_at", "decided_at"]
        read_only_fields = fields


class LeaseSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.__str__")
    layout = serializers.CharField(source="unit.layout")
    tenant_name = serializers.CharField(source="tenant.name")
    application_number = serializers.CharField(source="application.number")
    rent = serializers.DecimalField(max_digits=10, decimal_places=2)
    renewals = RenewalSerializer(many=True)

    class Meta:
        model = Lease
        fields = [
            "id",
            "unit",
            "unit_name",
            "layout",
            "tenant_name",
            "application_number",
            "start",
            "end",
            "rent",
            "status",
            "ended_on",
            "renewals",
        ]
        read_only_fields = fields


class LeaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Lease.Status.choices)

    class Meta:
        model = Lease
        fields: list[str] = []


@extend_schema(tags=["apartments"], description="Leases: the tenant's own, every lease for staff.")
class LeaseListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, IsTalentOrStaff]
    serializer_class = LeaseSerializer
    filterset_class = LeaseFilter

    def get_queryset(self):
        return selectors.leases_list(self.request.user)


class RenewalInputSerializer(serializers.Serializer):
    requested_end = serializers.DateField(help_text="after the current end, within the maximum term")
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class LeaseRenewalView(APIView):
    @extend_schema(
        tags=["apartments"],
        request=RenewalInputSerializer,
        responses={
            201: RenewalSerializer,
            400: OpenApiResponse(description="requested_end not after the end or past the maximum term"),
            403: OpenApiResponse(description="not the tenant (staff)"),
            404: OpenApiResponse(description="no such lease visible to the caller"),
            409: OpenApiResponse(description="lease ended, or a renewal already pending"),
        },
        description="The tenant asks to renew before the lease expires.",
    )
    def post(self, request, pk: int):
        body = _body(request)
        renewal = services.lease_renewal_request(
            lease_id=pk, user=request.user, requested_end=body.get("requested_end"), note=body.get("note", "")
        )
        return Response(RenewalSerializer(renewal).data, status=201)


class RenewalDecideInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


class RenewalDecideView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDistrictStaff]

    @extend_schema(
        tags=["apartments"],
        request=RenewalDecideInputSerializer,
        responses={
            200: RenewalSerializer,
            400: OpenApiResponse(description="approve missing"),
            403: OpenApiResponse(description="not staff"),
            404: OpenApiResponse(description="no such renewal request"),
            409: OpenApiResponse(description="decided already, or the lease ended"),
        },
        description="Staff: approve (the lease's end moves) or refuse a renewal request.",
    )
    def post(self, request, pk: int):
        approve = _body(request).get("approve")
        if not isinstance(approve, bool):
            raise ValidationFailed({"approve": [gettext("请填写 true 或 false")]})
        return Response(
            RenewalSerializer(services.lease_renewal_decide(renewal_id=pk, actor=request.user, approve=approve)).data
        )


class MoveOutInputSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False, help_text="default today")


class LeaseMoveOutView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDistrictStaff]

    @extend_schema(
        tags=["apartments"],
        request=MoveOutInputSerializer,
        responses={
            200: LeaseSerializer,
            400: OpenApiResponse(description="bad ended_on"),
            403: OpenApiResponse(description="not staff"),
            404: OpenApiResponse(description="no such lease"),
            409: OpenApiResponse(description="ended already"),
        },
        description="Staff: the tenant moved out; the unit is offered to the batch's waitlist or returns to stock.",
    )
    def post(self, request, pk: int):
        body = request.data if isinstance(request.data, dict) else {}
        lease = services.lease_move_out(lease_id=pk, actor=request.user, on=body.get("ended_on"))
        return Response(LeaseSerializer(selectors.leases_list(request.user).get(pk=lease.pk)).data)


# --- occupancy ----------------------------------------------------------------------------------


class OccupancySerializer(serializers.Serializer):
    units_total = serializers.IntegerField()
    units_by_status = serializers.DictField(child=serializers.IntegerField())
    units_by_layout = serializers.ListField(child=serializers.DictField())
    occupancy_percent = serializers.FloatField()
    leases_current = serializers.IntegerField()
    leases_expiring_60_days = serializers.IntegerField()
    offers_pending = serializers.IntegerField()
    average_wait_days = serializers.FloatField(allow_null=True, help_text="submission to lease, in days")


class OccupancyView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDistrictStaff]

    @extend_schema(tags=["apartments"], responses={200: OccupancySerializer})
    def get(self, request):
        return Response(OccupancySerializer(selectors.occupancy()).data)
