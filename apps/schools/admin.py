"""School places in the admin: schools (with spreadsheet import/export), rounds with their seats and a
run action (``services.round_run``), nominations read-only with the child's ID masked — nominations
are made by HR (``/hr/nominations/``, the API) and verified through the workflow's application."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.exceptions import DomainError

from . import matching, services
from .models import Nomination, Round, RoundSeat, School
from .resources import SchoolResource


@admin.register(School)
class SchoolAdmin(ImportExportModelAdmin):
    resource_classes = [SchoolResource]
    list_display = ("name", "stage", "address", "active")
    list_filter = ("stage", "active")
    search_fields = ("name", "address")
    list_per_page = 50


class RoundSeatInline(admin.TabularInline):
    model = RoundSeat
    extra = 0
    fields = ("school", "capacity", "assigned")
    readonly_fields = ("assigned",)
    autocomplete_fields = ("school",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_run)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and not (obj is not None and obj.is_run)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_run)


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ("year", "name", "opens_on", "closes_on", "priority_rule", "previous")

    def clean_priority_rule(self) -> dict[str, int]:
        try:
            return services.priority_rule_clean(self.cleaned_data.get("priority_rule"))
        except DomainError as exc:
            raise forms.ValidationError(exc.messages_by_field().get("priority_rule", [str(exc)])) from None


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    form = RoundForm
    inlines = [RoundSeatInline]
    list_display = ("__str__", "year", "opens_on", "closes_on", "status", "run_at", "commitment")
    list_filter = ("year", "status")
    actions = ["run_rounds"]
    readonly_fields = ("status", "commitment", "seed_revealed", "run_at", "run_by")

    @admin.display(description=_("随机种子（分配后公布）"))
    def seed_revealed(self, obj: Round) -> str:
        return obj.published_seed or "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_run:
            return (*RoundForm.Meta.fields, *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Round, form: Any, change: bool) -> None:
        if not change:
            # The seed is drawn once, when the round is created; only its commitment is shown.
            obj.seed_hex = matching.new_seed()
            obj.commitment = matching.commitment(obj.seed_hex)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("运行学位分配（延迟接受算法，自检后公布）"), permissions=["change"])
    def run_rounds(self, request: HttpRequest, queryset: QuerySet[Round]) -> None:
        for round_ in queryset.order_by("pk"):
            try:
                services.round_run(round_id=round_.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{round_}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, gettext("%(round)s：分配结果已公布") % {"round": round_}, messages.SUCCESS)


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "round",
        "enterprise",
        "talent",
        "child_name",
        "child_id_masked",
        "entry_grade",
        "status",
        "priority",
        "assigned_school",
    )
    list_filter = ("status", "round", "entry_grade")
    list_select_related = ("round", "enterprise", "talent", "assigned_school")
    search_fields = ("number", "child_name", "talent__name", "enterprise__name")
    list_per_page = 50
    fields = (
        "number",
        "round",
        "enterprise",
        "talent",
        "child_name",
        "child_id_masked",
        "child_birth_date",
        "entry_grade",
        "preferences",
        "application",
        "status",
        "priority",
        "assigned_school",
        "unassigned_reason",
    )
    readonly_fields = fields

    @admin.display(description=_("子女身份证号码"))
    def child_id_masked(self, obj: Nomination) -> str:
        return obj.child_id_number_masked

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj)
