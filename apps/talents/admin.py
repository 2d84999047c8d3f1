"""Staff admin for the talent records.

* The changelist stays fast at a million rows: estimated count, no second full count, related
  rows joined or prefetched, filters that never scan the table for their choices.
* A full resident ID or mobile typed into the search box is found through its keyed hash (the
  columns themselves hold ciphertext).
* Resident ID and phone are masked in lists, exports and history; in the form only staff with
  accounts.view_personal_data see and edit them in full.
* Saving goes through the services (``talent_create``/``talent_update``, ``holding_set``), so the
  admin validates like the API and writes the same history.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, QuerySet, Value
from django.http import FileResponse, Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from apps.accounts import access
from apps.core import crypto
from apps.core.admin_mixins import ReadOnlyAdminMixin, RecentYearFilter
from apps.core.admin_paging import FastChangeListMixin
from apps.core.exceptions import DomainError, ValidationFailed
from apps.core.identifiers import IdentifierError, credit_code_validate, phone_validate, resident_id_parse
from apps.core.spreadsheets import SheetAdminMixin
from apps.enterprises.models import Enterprise

from .downloads import evidence_response
from .employment import can_confirm_as_staff
from .models import ExportLog, ProfileClaim, Talent, TalentCategory, TalentCategoryHolding, TalentProfileChange
from .resources import TalentResource
from .services import (
    PROFILE_FIELDS,
    claim_confirm_by_staff,
    clean_profile_input,
    employment_confirm,
    employment_refuse,
    evidence_check,
    export_log_record,
    holding_evidence_upload,
    holding_remove,
    holding_set,
    talent_create,
    talent_update,
)

VIEW_PERSONAL_DATA = "accounts.view_personal_data"
EXPORT_PERSONAL_DATA = "accounts.export_personal_data"
IMPORT_TALENTS = "talents.import_talent"
EMPLOYMENT_FIELDS = (
    "employment_status",
    "employment_claimed_at",
    "employment_confirmed_by",
    "employment_confirmed_at",
    "employment_refusal_reason",
)


def can_view_personal_data(request: HttpRequest) -> bool:
    return request.user.has_perm(VIEW_PERSONAL_DATA)


# --- Filters: their choices come from small tables or arithmetic, never from the talent table ----


class CategoryFilter(admin.SimpleListFilter):
    title = _("人才类别")
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(c.code, c.name) for c in TalentCategory.objects.only("code", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Talent]) -> QuerySet[Talent]:
        if not self.value():
            return queryset
        return queryset.filter(
            Exists(TalentCategoryHolding.objects.filter(talent=OuterRef("pk"), category__code=self.value()))
        )


class YearFilter(RecentYearFilter):
    title = _("入选年度")
    parameter_name = "year"
    years_back = 20

    def filter_year(self, queryset: QuerySet[Talent], year: int) -> QuerySet[Talent]:
        return queryset.filter(Exists(TalentCategoryHolding.objects.filter(talent=OuterRef("pk"), year=year)))


class ZoneFilter(admin.SimpleListFilter):
    title = _("所在园区")
    parameter_name = "zone"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        zones = Enterprise.objects.exclude(zone="").order_by("zone").values_list("zone", flat=True).distinct()
        return [(z, z) for z in zones]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Talent]) -> QuerySet[Talent]:
        if not self.value():
            return queryset
        return queryset.filter(employer__zone=self.value())


# --- Talent ----------------------------------------------------------------------------------


class EmploymentRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("不予确认的理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("人才本人会收到通知并看到这一理由。"),
    )


class TalentAdminForm(forms.ModelForm):
    """Validates with ``clean_profile_input``, the same rules as the API and the import."""

    class Meta:
        model = Talent
        # The admin narrows these to the fieldsets (without id_number/phone for staff who may not see them).
        fields = PROFILE_FIELDS
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "size": 24}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "size": 16}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean() or {}
        adding = self.instance.pk is None
        data = {
            f: cleaned_data[f]
            for f in PROFILE_FIELDS
            if f in cleaned_data and f in self.fields and (adding or f in self.changed_data)
        }
        try:
            clean_profile_input(data, instance=None if adding else self.instance)
        except ValidationFailed as exc:
            for field, messages_ in exc.as_data().items():
                self.add_error(field if field in self.fields else None, messages_)
        return cleaned_data


class HoldingInlineForm(forms.ModelForm):
    # Not the model field: the file goes through holding_evidence_upload (checked by content, random
    # name, history), never straight into storage by the form.
    evidence_upload = forms.FileField(
        label=_("上传证明材料"), required=False, help_text=_("PDF、JPEG 或 PNG，不超过 10 MB；替换原有材料")
    )

    class Meta:
        model = TalentCategoryHolding
        fields = ("category", "year", "issuing_body", "verified")

    def clean_category(self) -> TalentCategory:
        category = self.cleaned_data["category"]
        if "category" in self.changed_data and not category.active:
            raise forms.ValidationError(_("该类别已停用"))
        return category

    def clean_evidence_upload(self) -> Any:
        upload = self.cleaned_data.get("evidence_upload")
        if upload:
            try:
                evidence_check(upload)
            except ValidationFailed as exc:
                raise forms.ValidationError(exc.as_data()["file"]) from None
        return upload


class HoldingInline(admin.TabularInline):
    model = TalentCategoryHolding
    form = HoldingInlineForm
    extra = 0
    fields = (
        "category",
        "year",
        "issuing_body",
        "verified",
        "evidence_link",
        "evidence_upload",
        "verified_by",
        "verified_at",
    )
    readonly_fields = ("evidence_link", "verified_by", "verified_at")
    verbose_name_plural = _("人才类别认定（保存时经 holding_set 写入变更记录）")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TalentCategoryHolding]:
        # Read-only displays get no request: whether the permission matrix lets this user download
        # evidence rides on each row.
        withheld = not access.sees_all(request.user, access.CATEGORY_EVIDENCE)
        return (
            super()
            .get_queryset(request)
            .select_related("category", "verified_by")
            .annotate(evidence_withheld=Value(withheld, output_field=BooleanField()))
        )

    @admin.display(description=_("证明材料"))
    def evidence_link(self, obj: TalentCategoryHolding) -> str:
        # Private storage has no public URL: the admin's own view serves the file to staff who may
        # see the talent.
        if not obj.pk or not obj.evidence:
            return "—"
        if getattr(obj, "evidence_withheld", True):
            return _("已上传（无权下载）")
        url = reverse("admin:talents_talent_evidence", args=[obj.talent_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))


class HistoryInline(admin.TabularInline):
    model = TalentProfileChange
    extra = 0
    can_delete = False
    fields = ("at", "actor", "source", "changes")
    readonly_fields = fields
    verbose_name_plural = _("变更记录（只读）")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TalentProfileChange]:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may see the talent may see its history.
        return request.user.has_perm("talents.view_talent") or request.user.has_perm("talents.change_talent")


@admin.register(Talent)
class TalentAdmin(SheetAdminMixin, FastChangeListMixin, ImportExportModelAdmin):
    resource_classes = [TalentResource]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A record carries its history (the audit of every change) by cascade: deleting it would erase
        # that audit. Records are corrected, never deleted, from the admin.
        return False

    form = TalentAdminForm
    inlines = [HoldingInline, HistoryInline]
    list_display = (
        "name",
        "id_number_display",
        "phone_display",
        "employer",
        "employment_status",
        "education",
        "categories_display",
        "is_green_card_holder",
        "created_at",
    )
    list_select_related = ("employer",)
    list_filter = (CategoryFilter, YearFilter, ZoneFilter, "employment_status", "education", "is_green_card_holder")
    search_fields = ("name", "employer__name", "=employer__credit_code")
    search_help_text = _("姓名、工作单位或统一社会信用代码；输入完整的身份证号或手机号可精确查找")
    autocomplete_fields = ("employer",)
    ordering = ("-id",)
    list_per_page = 50
    actions = ["employment_confirm_selected", "employment_refuse_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Talent]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("holdings", queryset=TalentCategoryHolding.objects.select_related("category")))
        )

    # -- search --

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Talent], search_term: str) -> Any:
        # A full resident ID or mobile, as typed or pasted (spaces and dashes are dropped): the value
        # columns are ciphertext, so match the keyed hash.
        term = "".join((search_term or "").split()).replace("-", "")
        try:
            number = resident_id_parse(term).number
        except IdentifierError:
            pass
        else:
            return queryset.filter(id_number_hash=crypto.pii_hash(number)), False
        try:
            phone = phone_validate(term)
        except IdentifierError:
            pass
        else:
            return queryset.filter(phone_hash=crypto.pii_hash(phone)), False
        try:
            code = credit_code_validate(term)
        except IdentifierError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(employer__credit_code=code), False

    # -- display --

    @admin.display(description=_("居民身份证号码"))
    def id_number_display(self, obj: Talent) -> str:
        return obj.id_number_masked

    @admin.display(description=_("手机号码"))
    def phone_display(self, obj: Talent) -> str:
        return obj.phone_masked

    @admin.display(description=_("人才类别"))
    def categories_display(self, obj: Talent) -> str:
        return "、".join(h.category.name for h in obj.holdings.all())

    # -- the form --

    def get_fieldsets(self, request: HttpRequest, obj: Talent | None = None) -> Any:
        personal = ("id_number", "phone") if can_view_personal_data(request) else ("id_number_display", "phone_display")
        return [
            (None, {"fields": ("name", *personal, "email")}),
            (
                _("学历与工作单位"),
                {
                    "fields": (
                        "education",
                        "degree",
                        "field",
                        "employer",
                        "employment_status",
                        "employment_claimed_at",
                        ("employment_confirmed_by", "employment_confirmed_at"),
                        "employment_refusal_reason",
                    ),
                    "description": _(
                        "本人填写的工作单位须经企业人事或区人社局确认后才作为办事依据；请在列表中用"
                        "“确认在职”或“不予确认在职”操作。持有确认权限的工作人员在此更改的工作单位记为已确认。"
                    ),
                },
            ),
            (
                _("状态"),
                {"fields": ("is_green_card_holder", "birth_date", "sex", "user", "created_at", "updated_at")},
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Talent | None = None) -> Any:
        readonly = ["birth_date", "sex", "user", "created_at", "updated_at", *EMPLOYMENT_FIELDS]
        if not can_view_personal_data(request):
            readonly += ["id_number_display", "phone_display"]
        return readonly

    def save_model(self, request: HttpRequest, obj: Talent, form: forms.ModelForm, change: bool) -> None:
        data = {
            f: form.cleaned_data[f]
            for f in PROFILE_FIELDS
            if f in form.cleaned_data and f in form.fields and (not change or f in form.changed_data)
        }
        if change:
            talent = talent_update(talent=obj, actor=request.user, source="admin", **data)
        else:
            talent = talent_create(actor=request.user, source="admin", **data)
        # The inlines and the admin log use ``obj``: make it the saved row.
        for attr in ("pk", "id_number_hash", "phone_hash", "birth_date", "sex", "created_at", "updated_at"):
            setattr(obj, attr, getattr(talent, attr))
        obj._state.adding = False
        obj._state.db = talent._state.db

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not TalentCategoryHolding:
            return super().save_formset(request, form, formset, change)
        talent = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            holding = inline_form.instance
            if holding.pk:
                holding_remove(talent=talent, category_code=holding.category.code, actor=request.user, source="admin")
                formset.deleted_objects.append(holding)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed() or not inline_form.cleaned_data:
                continue
            data = inline_form.cleaned_data
            previous = inline_form.initial.get("category")
            if inline_form.instance.pk and "category" in inline_form.changed_data and previous:
                old = TalentCategory.objects.get(pk=previous)
                holding_remove(talent=talent, category_code=old.code, actor=request.user, source="admin")
            holding = holding_set(
                talent=talent,
                category_code=data["category"].code,
                year=data.get("year"),
                issuing_body=data.get("issuing_body") or "",
                verified=bool(data.get("verified")),
                actor=request.user,
                source="admin",
            )
            if data.get("evidence_upload"):
                # Staff upload: the verified box on the same row says whether it stays verified.
                holding = holding_evidence_upload(
                    talent=talent,
                    category_code=holding.category.code,
                    upload=data["evidence_upload"],
                    actor=request.user,
                    verified=bool(data.get("verified")),
                    source="admin",
                )
            if inline_form.instance.pk:
                formset.changed_objects.append((holding, inline_form.changed_data))
            else:
                formset.new_objects.append(holding)
        return None

    # -- employment: what a talent claims, confirmed or refused through the same services as HR's --

    def has_confirm_employment_permission(self, request: HttpRequest) -> bool:
        return can_confirm_as_staff(request.user)

    def _employment_decide(self, request: HttpRequest, queryset: QuerySet[Talent], decide: Any) -> int:
        done = 0
        for talent_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                decide(talent_id)
            except DomainError as exc:
                text = "；".join(m for ms in exc.messages_by_field().values() for m in ms)
                self.message_user(request, f"#{talent_id}: {text}", messages.ERROR)
            else:
                done += 1
        return done

    @admin.action(description=_("确认在职（所填工作单位）"), permissions=["confirm_employment"])
    def employment_confirm_selected(self, request: HttpRequest, queryset: QuerySet[Talent]) -> None:
        done = self._employment_decide(
            request,
            queryset,
            lambda pk: employment_confirm(talent=pk, actor=request.user, source="admin"),
        )
        if done:
            self.message_user(request, ngettext("已确认 %(n)d 人在职", "已确认 %(n)d 人在职", done) % {"n": done})

    @admin.action(description=_("不予确认在职…"), permissions=["confirm_employment"])
    def employment_refuse_selected(self, request: HttpRequest, queryset: QuerySet[Talent]) -> TemplateResponse | None:
        form = EmploymentRefuseForm(request.POST if request.POST.get("post") else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            done = self._employment_decide(
                request,
                queryset,
                lambda pk: employment_refuse(talent=pk, actor=request.user, reason=reason, source="admin"),
            )
            if done:
                message = ngettext("已对 %(n)d 人不予确认在职", "已对 %(n)d 人不予确认在职", done)
                self.message_user(request, message % {"n": done})
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": _("不予确认在职"),
            "subtitle": None,
            "queryset": queryset.select_related("employer"),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/talents/talent/employment_refuse.html", context)

    # -- evidence files --

    def get_urls(self) -> list[Any]:
        evidence = path(
            "<int:talent_id>/evidence/<int:holding_id>/",
            self.admin_site.admin_view(self.evidence_view),
            name="talents_talent_evidence",
        )
        # Before the defaults, whose "<path:object_id>/" would take this path too.
        return [evidence, *super().get_urls()]

    def evidence_view(self, request: HttpRequest, talent_id: int, holding_id: int) -> FileResponse:
        """A holding's evidence file, for staff who may view or change the talent."""
        talent = self.get_object(request, str(talent_id))
        if talent is None:
            raise Http404
        if not self.has_view_or_change_permission(request, talent):
            raise PermissionDenied
        if not access.sees_all(request.user, access.CATEGORY_EVIDENCE):
            raise PermissionDenied  # the permission matrix: staff who see talents but not their evidence
        holding = TalentCategoryHolding.objects.select_related("category").filter(pk=holding_id, talent=talent).first()
        return evidence_response(holding)

    # -- import and export --

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(IMPORT_TALENTS)

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        # The preview shows the rows' identifiers in full only to staff who may see them.
        return {"unmasked": can_view_personal_data(request)}

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {"unmasked": request.user.has_perm(EXPORT_PERSONAL_DATA)}

    def get_data_for_export(self, request: HttpRequest, queryset: QuerySet[Talent], **kwargs: Any) -> Any:
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        request._export_rows = len(dataset)  # type: ignore[attr-defined]
        return dataset

    def get_export_data(self, file_format: Any, request: HttpRequest, queryset: QuerySet[Talent], **kwargs: Any) -> Any:
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        export_log_record(
            user=request.user,
            resource=Talent._meta.label,
            rows=getattr(request, "_export_rows", 0),
            unmasked=request.user.has_perm(EXPORT_PERSONAL_DATA),
            file_format=file_format.get_title(),
        )
        return data


@admin.register(TalentCategory)
class TalentCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "is_high_level", "city_total", "sort_order", "active")
    list_editable = ("name", "level", "is_high_level", "city_total", "sort_order", "active")
    list_filter = ("is_high_level", "active")
    search_fields = ("code", "name", "name_en")


@admin.register(ProfileClaim)
class ProfileClaimAdmin(FastChangeListMixin, admin.ModelAdmin):
    list_display = ("id", "talent", "user", "status", "expires_at", "attempts", "confirmed_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("talent", "user", "confirmed_by")
    search_fields = ("talent__name", "user__username")
    fields = ("talent", "user", "status", "expires_at", "attempts", "confirmed_by", "created_at", "updated_at")
    readonly_fields = fields
    actions = ["confirm_claim"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("确认认领（人工核实后）"), permissions=["change"])
    def confirm_claim(self, request: HttpRequest, queryset: QuerySet[ProfileClaim]) -> None:
        confirmed = 0
        for claim in queryset.order_by("pk"):
            try:
                claim_confirm_by_staff(claim_id=claim.pk, staff=request.user)
            except DomainError as exc:
                self.message_user(request, f"#{claim.pk}: {exc.detail}", messages.ERROR)
            else:
                confirmed += 1
        if confirmed:
            message = ngettext("已确认 %(n)d 项认领", "已确认 %(n)d 项认领", confirmed)
            self.message_user(request, message % {"n": confirmed})


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, FastChangeListMixin, admin.ModelAdmin):
    list_display = ("at", "user", "resource", "file_format", "rows", "unmasked")
    list_filter = ("unmasked", "resource")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    date_hierarchy = "at"
