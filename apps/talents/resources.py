"""django-import-export resources for the talent records (admin import/export).

Import uses the command line's validator (``importing.TalentRowValidator``), so the admin and
``manage.py import_talents`` accept and refuse the same rows; the admin then saves row by row
through ``talent_create``/``holding_set`` so each row gets its history. Export masks resident IDs
and phones unless the resource is built with ``unmasked=True`` (staff holding
accounts.export_personal_data).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from apps.core.spreadsheets import HeaderMap, RowError, SheetResource
from apps.enterprises.models import Enterprise

from .importing import TALENT_COLUMNS, TalentRowValidator
from .models import Talent, TalentCategoryHolding
from .services import TalentBulkRow, holding_set, talent_create

EXPORT_CHUNK = 2000


class TalentResource(SheetResource):
    columns = TALENT_COLUMNS

    name = Field(attribute="name", column_name="姓名")
    id_number = Field(column_name="身份证号")
    phone = Field(column_name="手机")
    email = Field(attribute="email", column_name="邮箱")
    education = Field(column_name="学历")
    degree = Field(attribute="degree", column_name="学位")
    field = Field(attribute="field", column_name="专业领域")
    employer_credit_code = Field(column_name="工作单位信用代码")
    employer_name = Field(column_name="工作单位", readonly=True)
    categories = Field(column_name="人才类别")
    year = Field(column_name="入选年度")

    class Meta:
        model = Talent
        fields = (
            "name",
            "id_number",
            "phone",
            "email",
            "education",
            "degree",
            "field",
            "employer_credit_code",
            "employer_name",
            "categories",
            "year",
        )
        force_init_instance = True
        name = gettext_lazy("人才信息")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._employers: dict[int, Enterprise] = {}

    # -- import --

    def validate_rows(
        self, rows: list[tuple[int, dict[str, str]]], headers: HeaderMap
    ) -> tuple[dict[int, Any], list[RowError]]:
        validation = TalentRowValidator().validate_cells(rows, headers)
        self._employers = validation.employers
        return validation.by_row(), validation.errors

    def fill_instance(self, instance: Talent, cleaned: TalentBulkRow) -> None:
        for key in ("name", "id_number", "phone", "email", "education", "degree", "field", "birth_date", "sex"):
            setattr(instance, key, getattr(cleaned, key))
        instance.employer = self._employers.get(cleaned.employer_id) if cleaned.employer_id else None
        instance._sheet_row = cleaned  # type: ignore[attr-defined]

    def save_row(self, instance: Talent, cleaned: TalentBulkRow, *, actor: Any) -> Talent:
        talent = talent_create(
            actor=actor,
            source="import",
            name=cleaned.name,
            id_number=cleaned.id_number,
            phone=cleaned.phone,
            email=cleaned.email,
            education=cleaned.education,
            degree=cleaned.degree,
            field=cleaned.field,
            employer=instance.employer,
        )
        for code in cleaned.category_codes:
            holding_set(talent=talent, category_code=code, year=cleaned.year, actor=actor, source="import")
        return talent

    # -- export (and the preview of an import) --

    def iter_queryset(self, queryset: QuerySet[Talent]) -> Iterator[Talent]:
        # Keyset pages with their holdings prefetched: constant queries per page, and no OFFSET
        # that grows with the table (django-import-export pages prefetching querysets by OFFSET).
        qs = (
            queryset.select_related("employer")
            .prefetch_related(None)
            .prefetch_related(Prefetch("holdings", queryset=TalentCategoryHolding.objects.select_related("category")))
            .order_by("pk")
        )
        last = 0
        while True:
            page = list(qs.filter(pk__gt=last)[:EXPORT_CHUNK])
            yield from page
            if len(page) < EXPORT_CHUNK:
                return
            last = page[-1].pk

    def dehydrate_id_number(self, obj: Talent) -> str:
        return obj.id_number if self.unmasked else obj.id_number_masked

    def dehydrate_phone(self, obj: Talent) -> str:
        return obj.phone if self.unmasked else obj.phone_masked

    def dehydrate_education(self, obj: Talent) -> str:
        return str(obj.get_education_display()) if obj.education else ""

    def dehydrate_employer_credit_code(self, obj: Talent) -> str:
        return obj.employer.credit_code if obj.employer_id and obj.employer else ""

    def dehydrate_employer_name(self, obj: Talent) -> str:
        return obj.employer.name if obj.employer_id and obj.employer else ""

    def _holdings(self, obj: Talent) -> list[TalentCategoryHolding]:
        if obj.pk is None:
            return []
        return list(obj.holdings.all())

    def dehydrate_categories(self, obj: Talent) -> str:
        cleaned = getattr(obj, "_sheet_row", None)
        if cleaned is not None:
            return ";".join(cleaned.category_codes)
        return ";".join(h.category.code for h in self._holdings(obj))

    def dehydrate_year(self, obj: Talent) -> str:
        cleaned = getattr(obj, "_sheet_row", None)
        if cleaned is not None:
            return str(cleaned.year or "")
        years = [h.year for h in self._holdings(obj) if h.year]
        return str(max(years)) if years else ""
