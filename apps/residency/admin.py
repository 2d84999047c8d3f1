"""Registration cards and green cards: read-only lists. Cards are issued by the workflow's ``fulfil``
step (``steps.py``), never typed in by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import GreenCard, RegistrationCard


class YearFilter(admin.SimpleListFilter):
    """Filter by the year of a date field; the years offered are those in the table."""

    field_name = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = model_admin.model.objects.dates(self.field_name, "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.field_name}__year": int(value)})
        return queryset


class ExpiryYearFilter(YearFilter):
    title = _("有效期至（年）")
    parameter_name = "expires"
    field_name = "expires_on"


class IssuedYearFilter(YearFilter):
    title = _("发卡年度")
    parameter_name = "issued"
    field_name = "issued_on"


class CardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("申请编号"), ordering="application__number")
    def application_number(self, obj: Any) -> str:
        return obj.application.number or ""

    @admin.display(description=_("人才"), ordering="talent__name")
    def talent_name(self, obj: Any) -> str:
        return obj.talent.name

    @admin.display(description=_("身份证号码"))
    def talent_id_masked(self, obj: Any) -> str:
        return obj.talent.id_number_masked or "—"


@admin.register(RegistrationCard)
class RegistrationCardAdmin(CardAdmin):
    list_display = (
        "number",
        "talent_name",
        "talent_id_masked",
        "issued_on",
        "quota_year",
        "quota_enterprise_name",
        "application_number",
    )
    list_select_related = ("talent", "application", "quota_enterprise")
    list_filter = (IssuedYearFilter, "quota_year")
    search_fields = ("number", "=application__number")
    ordering = ("-issued_on", "-id")
    fields = (
        "number",
        "talent_name",
        "talent_id_masked",
        "issued_on",
        "quota_year",
        "quota_enterprise_name",
        "application",
    )
    readonly_fields = fields

    @admin.display(description=_("指标所属企业"), ordering="quota_enterprise__name")
    def quota_enterprise_name(self, obj: RegistrationCard) -> str:
        return str(obj.quota_enterprise) if obj.quota_enterprise_id else "—"


@admin.register(GreenCard)
class GreenCardAdmin(CardAdmin):
    list_display = (
        "number",
        "card_class",
        "talent_name",
        "talent_id_masked",
        "issued_on",
        "expires_on",
        "renewal_count",
        "renewal_of_number",
        "application_number",
    )
    list_select_related = ("talent", "application", "renewal_of")
    list_filter = ("card_class", ExpiryYearFilter)
    search_fields = ("number", "=application__number")
    ordering = ("-issued_on", "-id")
    fields = (
        "number",
        "card_class",
        "talent_name",
        "talent_id_masked",
        "issued_on",
        "expires_on",
        "renewal_of_number",
        "renewal_count",
        "application",
    )
    readonly_fields = fields

    @admin.display(description=_("续期自"))
    def renewal_of_number(self, obj: GreenCard) -> str:
        return obj.renewal_of.number if obj.renewal_of_id else "—"
