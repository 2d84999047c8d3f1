"""Staff admin for enterprises, HR members, key-enterprise listings, quotas and shortage talents.

Writes go through the services: ``enterprise_create`` (credit code validated), ``key_listing_set``,
``enterprise_member_set`` and ``quota_set_total`` (a quota never shrinks below what is used; ``used``
itself moves only through ``quota_consume``/``quota_release``, so it is read-only here, as is the
movement ledger).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin, RecentYearFilter
from apps.core.admin_paging import FastChangeListMixin
from apps.core.exceptions import DomainError
from apps.core.identifiers import IdentifierError, credit_code_validate
from apps.core.spreadsheets import SheetAdminMixin

from .models import Enterprise, EnterpriseMember, KeyEnterpriseListing, Quota, QuotaMovement, ShortageIntroduction
from .resources import EnterpriseResource, KeyEnterpriseListingResource, QuotaResource
from .services import enterprise_create, enterprise_member_set, key_listing_set, quota_set_total


class KeyListedFilter(RecentYearFilter):
    title = _("重点企业名录年度")
    parameter_name = "key_year"

    def filter_year(self, queryset: QuerySet[Enterprise], year: int) -> QuerySet[Enterprise]:
        return queryset.filter(Exists(KeyEnterpriseListing.objects.filter(enterprise=OuterRef("pk"), year=year)))


class EnterpriseAdminForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ("name", "credit_code", "industry", "zone", "kind", "is_national", "floor_area_m2", "graduated_firms")

    def clean_credit_code(self) -> str:
        try:
            return credit_code_validate(self.cleaned_data.get("credit_code") or "")
        except IdentifierError as exc:
            raise forms.ValidationError(str(exc)) from None


class EnterpriseMemberInline(admin.TabularInline):
    model = EnterpriseMember
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "title")

    def get_queryset(self, request: HttpRequest) -> QuerySet[EnterpriseMember]:
        return super().get_queryset(request).select_related("user")


class QuotaInlineForm(forms.ModelForm):
    class Meta:
        model = Quota
        fields = ("kind", "year", "total")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None:
            return data
        if {"kind", "year"} & set(self.changed_data):
            raise forms.ValidationError(_("类型和年度不能修改，请新增一行"))
        total = data.get("total")
        if total is not None and total < self.instance.used:
            self.add_error(
                "total",
                _("不能小于已使用的 %(used)d 个") % {"used": self.instance.used},
            )
        return data


class QuotaInline(admin.TabularInline):
    model = Quota
    form = QuotaInlineForm
    extra = 0
    can_delete = False
    fields = ("kind", "year", "total", "used", "remaining")
    readonly_fields = ("used", "remaining")
    verbose_name_plural = _("企业指标（总数经 quota_set_total 调整；已用数只随审批变动）")

    @admin.display(description=_("剩余"))
    def remaining(self, obj: Quota) -> int | str:
        return obj.remaining if obj.pk else "-"


@admin.register(Enterprise)
class EnterpriseAdmin(SheetAdminMixin, FastChangeListMixin, ImportExportModelAdmin):
    resource_classes = [EnterpriseResource]
    form = EnterpriseAdminForm
    inlines = [EnterpriseMemberInline, QuotaInline]
    list_display = ("name", "credit_code", "kind", "zone", "industry", "is_national", "created_at")
    list_filter = ("kind", "is_national", KeyListedFilter, "zone")
    search_fields = ("name", "=credit_code")
    search_help_text = _("名称，或完整的统一社会信用代码")
    ordering = ("name", "id")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Enterprise], search_term: str) -> Any:
        try:
            code = credit_code_validate((search_term or "").strip())
        except IdentifierError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(credit_code=code), False

    def save_model(self, request: HttpRequest, obj: Enterprise, form: forms.ModelForm, change: bool) -> None:
        if change:
            obj.save()
            return
        fields = ("name", "credit_code", "industry", "zone", "kind", "is_national", "floor_area_m2", "graduated_firms")
        enterprise = enterprise_create(**{f: form.cleaned_data[f] for f in fields if f in form.cleaned_data})
        obj.pk = enterprise.pk
        obj.created_at, obj.updated_at = enterprise.created_at, enterprise.updated_at
        obj._state.adding = False
        obj._state.db = enterprise._state.db

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        enterprise = form.instance
        if formset.model is Quota:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for inline_form in formset.forms:
                if not inline_form.has_changed() or not inline_form.cleaned_data:
                    continue
                data = inline_form.cleaned_data
                try:
                    quota = quota_set_total(
                        enterprise_id=enterprise.pk,
                        kind=data["kind"],
                        year=data["year"],
                        total=data["total"],
                        actor=request.user,
                    )
                except DomainError as exc:
                    self.message_user(request, f"{data['kind']} {data['year']}: {exc.detail}", messages.ERROR)
                    continue
                if inline_form.instance.pk:
                    formset.changed_objects.append((quota, inline_form.changed_data))
                else:
                    formset.new_objects.append(quota)
            return
        if formset.model is EnterpriseMember:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for inline_form in formset.deleted_forms:
                if inline_form.instance.pk:
                    inline_form.instance.delete()
                    formset.deleted_objects.append(inline_form.instance)
            for inline_form in formset.forms:
                if (
                    inline_form in formset.deleted_forms
                    or not inline_form.has_changed()
                    or not inline_form.cleaned_data
                ):
                    continue
                member = enterprise_member_set(
                    user=inline_form.cleaned_data["user"],
                    enterprise=enterprise,
                    title=inline_form.cleaned_data.get("title") or "",
                )
                formset.new_objects.append(member)
            return
        super().save_formset(request, form, formset, change)


class KeyEnterpriseListingForm(forms.ModelForm):
    class Meta:
        model = KeyEnterpriseListing
        fields = ("enterprise", "year", "service_officer", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("enterprise") and data.get("year"):
            if KeyEnterpriseListing.objects.filter(enterprise=data["enterprise"], year=data["year"]).exists():
                raise forms.ValidationError(_("该企业已在当年名录中"))
        return data


@admin.register(KeyEnterpriseListing)
class KeyEnterpriseListingAdmin(SheetAdminMixin, FastChangeListMixin, ImportExportModelAdmin):
    resource_classes = [KeyEnterpriseListingResource]
    form = KeyEnterpriseListingForm
    list_display = ("year", "enterprise", "credit_code", "service_officer", "note")
    list_select_related = ("enterprise", "service_officer")
    list_filter = ("year",)
    search_fields = ("enterprise__name", "=enterprise__credit_code", "note")
    autocomplete_fields = ("enterprise", "service_officer")
    ordering = ("-year", "enterprise__name")

    @admin.display(description=_("统一社会信用代码"), ordering="enterprise__credit_code")
    def credit_code(self, obj: KeyEnterpriseListing) -> str:
        return obj.enterprise.credit_code

    def get_readonly_fields(self, request: HttpRequest, obj: KeyEnterpriseListing | None = None) -> Any:
        # The listing is keyed by (enterprise, year): moving it would be a different listing.
        return ("enterprise", "year") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: KeyEnterpriseListing, form: forms.ModelForm, change: bool) -> None:
        listing = key_listing_set(
            enterprise=obj.enterprise, year=obj.year, service_officer=obj.service_officer, note=obj.note
        )
        obj.pk = listing.pk
        obj._state.adding = False


class QuotaForm(forms.ModelForm):
    class Meta:
        model = Quota
        fields = ("enterprise", "kind", "year", "total")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        total = data.get("total")
        if self.instance.pk and total is not None and total < self.instance.used:
            self.add_error(
                "total",
                _("不能小于已使用的 %(used)d 个") % {"used": self.instance.used},
            )
        return data


@admin.register(Quota)
class QuotaAdmin(SheetAdminMixin, FastChangeListMixin, ImportExportModelAdmin):
    resource_classes = [QuotaResource]
    form = QuotaForm
    list_display = ("enterprise", "kind", "year", "total", "used", "remaining")
    list_select_related = ("enterprise",)
    list_filter = ("kind", "year")
    search_fields = ("enterprise__name", "=enterprise__credit_code")
    autocomplete_fields = ("enterprise",)

    @admin.display(description=_("剩余"))
    def remaining(self, obj: Quota) -> int:
        return obj.remaining

    def get_readonly_fields(self, request: HttpRequest, obj: Quota | None = None) -> Any:
        if obj is None:
            return ("used",)
        return ("enterprise", "kind", "year", "used")

    def save_model(self, request: HttpRequest, obj: Quota, form: forms.ModelForm, change: bool) -> None:
        quota = quota_set_total(
            enterprise_id=obj.enterprise_id, kind=obj.kind, year=obj.year, total=obj.total, actor=request.user
        )
        obj.pk, obj.used = quota.pk, quota.used
        obj._state.adding = False


@admin.register(QuotaMovement)
class QuotaMovementAdmin(ReadOnlyAdminMixin, FastChangeListMixin, admin.ModelAdmin):
    list_display = ("at", "quota", "delta", "reference", "actor", "note")
    list_select_related = ("quota__enterprise", "actor")
    list_filter = ("quota__kind", "quota__year")
    search_fields = ("=reference", "quota__enterprise__name")
    date_hierarchy = "at"


@admin.register(ShortageIntroduction)
class ShortageIntroductionAdmin(FastChangeListMixin, admin.ModelAdmin):
    list_display = ("year", "enterprise", "talent", "position", "created_at")
    list_select_related = ("enterprise", "talent")
    list_filter = ("year",)
    search_fields = ("enterprise__name", "=enterprise__credit_code", "talent__name", "position")
    autocomplete_fields = ("enterprise", "talent")
