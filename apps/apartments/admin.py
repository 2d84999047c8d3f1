"""Staff screens for the apartments: the stock (import/export), batches with their units and the
freeze/draw actions, offers (answers given at the counter), leases (move-out) and renewals. Every
change goes through ``services``; a refusal is shown as a message, nothing half-done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportModelAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.exceptions import DomainError

from . import services
from .models import Batch, BatchEntry, BatchUnit, Building, Draw, Lease, Offer, RenewalRequest, Unit


def _each(request: HttpRequest, model_admin: Any, queryset: QuerySet, call: Callable[[Any], Any], done: str) -> None:
    """Run a service per selected row: each in its own transaction, refusals reported by row."""
    ok = 0
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
            ok += 1
        except DomainError as exc:
            problems = "; ".join(m for ms in exc.messages_by_field().values() for m in ms)
            model_admin.message_user(request, f"{obj}: {problems}", messages.ERROR)
    if ok:
        model_admin.message_user(request, done % {"n": ok}, messages.SUCCESS)


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "address"]
    search_fields = ["name", "address"]


class UnitResource(resources.ModelResource):
    """Units by building name; ``status`` is exported but never imported (it moves only through the
    batch, offer and lease services)."""

    building = fields.Field(
        attribute="building", column_name="building", widget=widgets.ForeignKeyWidget(Building, field="name")
    )
    status = fields.Field(attribute="status", column_name="status", readonly=True)

    class Meta:
        model = Unit
        fields = ["id", "building", "number", "layout", "area_m2", "rent", "furnished", "status"]
        import_id_fields = ["building", "number"]
        skip_unchanged = True
        use_transactions = True


@admin.register(Unit)
class UnitAdmin(ImportExportModelAdmin):
    resource_classes = [UnitResource]
    list_display = ["__str__", "layout", "area_m2", "rent", "furnished", "status"]
    list_filter = ["status", "layout", "furnished", "building"]
    list_select_related = ["building"]
    search_fields = ["number", "building__name"]
    readonly_fields = ["status"]
    list_per_page = 50

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BatchUnitInline(admin.TabularInline):
    model = BatchUnit
    fields = ["unit", "unit_layout", "unit_status"]
    readonly_fields = ["unit", "unit_layout", "unit_status"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("unit__building")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("户型"))
    def unit_layout(self, obj: BatchUnit) -> str:
        return obj.unit.get_layout_display()

    @admin.display(description=_("状态"))
    def unit_status(self, obj: BatchUnit) -> str:
        return obj.unit.get_status_display()


class BatchEntryInline(admin.TabularInline):
    model = BatchEntry
    fields = ["number", "score", "layouts", "rank"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["rank", "number"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Batches are created over the API (``POST /api/v1/apartments/batches/``); here staff read them
    and a district admin freezes and draws."""

    list_display = ["name", "status", "opens_on", "closes_on", "draw_round", "drawn_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = [
        "name",
        "status",
        "opens_on",
        "closes_on",
        "eligible_categories",
        "points_rule",
        "commitment",
        "manifest_sha256",
        "draw_round",
        "frozen_at",
        "drawn_at",
        "drawn_by",
    ]
    fields = readonly_fields
    inlines = [BatchUnitInline, BatchEntryInline]
    actions = ["freeze", "draw"]

    @admin.action(description=_("封存并公布摇号名单"))
    def freeze(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            request,
            self,
            queryset,
            lambda b: services.batch_freeze(batch_id=b.pk, actor=request.user),
            gettext("已封存 %(n)d 个批次"),
        )

    @admin.action(description=_("摇号并发出配租通知"))
    def draw(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            request,
            self,
            queryset,
            lambda b: services.batch_draw(batch_id=b.pk, actor=request.user),
            gettext("已摇号 %(n)d 个批次"),
        )


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["batch", "draw_round", "reason", "actor", "redrawn_at"]
    list_select_related = ["batch", "actor"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["application_number", "unit", "rank", "status", "respond_by", "batch"]
    list_filter = ["status", "batch"]
    list_select_related = ["application", "unit__building", "batch"]
    search_fields = ["application__number"]
    actions = ["accept_at_counter", "decline_at_counter"]
    list_per_page = 50

    @admin.display(description=_("申请编号"), ordering="application__number")
    def application_number(self, obj: Offer) -> str:
        return obj.application.number or ""

    @admin.action(description=_("登记窗口答复：接受配租"))
    def accept_at_counter(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            request,
            self,
            queryset,
            lambda o: services.offer_accept(offer_id=o.pk, user=request.user, at_counter=True),
            gettext("已登记 %(n)d 件接受"),
        )

    @admin.action(description=_("登记窗口答复：放弃配租"))
    def decline_at_counter(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            request,
            self,
            queryset,
            lambda o: services.offer_decline(offer_id=o.pk, user=request.user, at_counter=True),
            gettext("已登记 %(n)d 件放弃"),
        )


@admin.register(Lease)
class LeaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "tenant", "start", "end", "rent", "status", "ended_on"]
    list_filter = ["status"]
    list_select_related = ["unit__building", "tenant"]
    search_fields = ["tenant__name", "unit__number", "unit__building__name"]
    actions = ["move_out"]
    list_per_page = 50

    @admin.action(description=_("登记退租（房源转给轮候人）"))
    def move_out(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            request,
            self,
            queryset,
            lambda lease: services.lease_move_out(lease_id=lease.pk, actor=request.user),
            gettext("已登记 %(n)d 件退租"),
        )


@admin.register(RenewalRequest)
class RenewalRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["lease", "requested_end", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["lease__unit__building", "decided_by"]
    actions = ["approve", "refuse"]

    @admin.action(description=_("同意续租"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            request,
            self,
            queryset,
            lambda r: services.lease_renewal_decide(renewal_id=r.pk, actor=request.user, approve=True),
            gettext("已同意 %(n)d 件续租"),
        )

    @admin.action(description=_("不同意续租"))
    def refuse(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(
            request,
            self,
            queryset,
            lambda r: services.lease_renewal_decide(renewal_id=r.pk, actor=request.user, approve=False),
            gettext("已处理 %(n)d 件续租"),
        )
