"""django-import-export resources for enterprises, key-enterprise listings and quotas.

Rows are validated together (credit codes with GB 32100 check characters, duplicates within the
file, references to enterprises and staff that must exist) and saved through the services:
``enterprise_create``, ``key_listing_set`` and ``quota_set_total``. Imports are all or nothing
(``SheetResource``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext
from import_export.fields import Field

from apps.core.identifiers import IdentifierError, credit_code_validate
from apps.core.spreadsheets import (
    Column,
    ColumnSet,
    HeaderMap,
    RowError,
    SheetResource,
    parse_bool,
    parse_choice,
    parse_int,
    parse_year,
)

from .models import Enterprise, KeyEnterpriseListing, Quota
from .services import enterprise_create, key_listing_set, quota_set_total

REQUIRED = gettext_lazy("必填")
CREDIT_CODE = Column("credit_code", "统一社会信用代码", ("信用代码", "credit code", "uscc"), required=True)


def _choices(choices: Any) -> list[tuple[str, Any]]:
    # Lazy labels: parse_choice reads them in the reader's language and in the portal's.
    return list(choices)


class _RowCleaner:
    """Collects a row's cleaned values and its errors, each named by the file's header."""

    def __init__(self, number: int, cells: dict[str, str], headers: HeaderMap):
        self.number, self.cells, self.headers = number, cells, headers
        self.errors: list[RowError] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.headers.label(key), message))

    def text(self, key: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self.cells.get(key, "")
        if required and not value:
            self.error(key, str(REQUIRED))
        elif max_length is not None and len(value) > max_length:
            self.error(key, gettext("最多%(limit)d个字符") % {"limit": max_length})
        return value

    def parsed(self, key: str, parse: Any, *, required: bool = False, default: Any = None) -> Any:
        value = self.cells.get(key, "")
        if not value:
            if required:
                self.error(key, str(REQUIRED))
            return default
        try:
            return parse(value)
        except (ValueError, IdentifierError) as exc:
            self.error(key, str(exc))
            return default


def _enterprises_by_code(codes: set[str]) -> dict[str, Enterprise]:
    return {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}


# --- Enterprises ---------------------------------------------------------------------------------


@dataclass
class EnterpriseRow:
    name: str
    credit_code: str
    industry: str
    zone: str
    kind: str
    is_national: bool
    floor_area_m2: Decimal
    graduated_firms: int


def _area(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(gettext("应为数字")) from None
    if value < 0 or value >= Decimal("1e10") or value != value.quantize(Decimal("0.01")):
        raise ValueError(gettext("应为不小于0、最多两位小数的数字"))
    return value


class EnterpriseResource(SheetResource):
    """Creates enterprises; a credit code already registered is a row error (edit those in the admin)."""

    columns = ColumnSet(
        [
            Column("name", "名称", ("企业名称",), required=True),
            CREDIT_CODE,
            Column("industry", "行业"),
            Column("zone", "所在园区", ("园区",)),
            Column("kind", "类型", ("企业类型",)),
            Column("is_national", "国家级", ("national",)),
            Column("floor_area_m2", "孵化面积（平方米）", ("孵化面积", "floor_area")),
            Column("graduated_firms", "累计毕业企业数", ("毕业企业数",)),
        ]
    )

    name = Field(attribute="name", column_name="名称")
    credit_code = Field(attribute="credit_code", column_name="统一社会信用代码")
    industry = Field(attribute="industry", column_name="行业")
    zone = Field(attribute="zone", column_name="所在园区")
    kind = Field(column_name="类型")
    is_national = Field(column_name="国家级")
    floor_area_m2 = Field(attribute="floor_area_m2", column_name="孵化面积（平方米）")
    graduated_firms = Field(attribute="graduated_firms", column_name="累计毕业企业数")

    class Meta:
        model = Enterprise
        fields = (
            "name",
            "credit_code",
            "industry",
            "zone",
            "kind",
            "is_national",
            "floor_area_m2",
            "graduated_firms",
        )
        force_init_instance = True
        name = gettext_lazy("企业信息")

    def validate_rows(
        self, rows: list[tuple[int, dict[str, str]]], headers: HeaderMap
    ) -> tuple[dict[int, Any], list[RowError]]:
        kinds = _choices(Enterprise.Kind.choices)
        cleaned: dict[int, EnterpriseRow] = {}
        errors: list[RowError] = []
        first_row: dict[str, int] = {}
        for number, cells in rows:
            row = _RowCleaner(number, cells, headers)
            name = row.text("name", required=True, max_length=200)
            code = row.parsed("credit_code", credit_code_validate, required=True)
            if code:
                first = first_row.setdefault(code, number)
                if first != number:
                    row.error("credit_code", pgettext("credit code", "与第%(row)d行重复") % {"row": first})
            values = EnterpriseRow(
                name=name,
                credit_code=code or "",
                industry=row.text("industry", max_length=100),
                zone=row.text("zone", max_length=100),
                kind=row.parsed("kind", lambda v: parse_choice(v, kinds), default=Enterprise.Kind.COMPANY),
                is_national=row.parsed("is_national", parse_bool, default=False),
                floor_area_m2=row.parsed("floor_area_m2", _area, default=Decimal("0")),
                graduated_firms=row.parsed("graduated_firms", lambda v: parse_int(v, minimum=0), default=0),
            )
            errors.extend(row.errors)
            if not row.errors:
                cleaned[number] = values
        registered = set(
            Enterprise.objects.filter(credit_code__in={r.credit_code for r in cleaned.values()}).values_list(
                "credit_code", flat=True
            )
        )
        for number, values in list(cleaned.items()):
            if values.credit_code in registered:
                errors.append(
                    RowError(
                        number,
                        headers.label("credit_code"),
                        gettext("该统一社会信用代码已存在"),
                    )
                )
                del cleaned[number]
        return cleaned, errors

    def fill_instance(self, instance: Enterprise, cleaned: EnterpriseRow) -> None:
        for key, value in vars(cleaned).items():
            setattr(instance, key, value)

    def save_row(self, instance: Enterprise, cleaned: EnterpriseRow, *, actor: Any) -> Enterprise:
        return enterprise_create(**vars(cleaned))

    def dehydrate_kind(self, obj: Enterprise) -> str:
        return str(obj.get_kind_display())

    def dehydrate_is_national(self, obj: Enterprise) -> str:
        return "是" if obj.is_national else "否"


# --- Key-enterprise listings ---------------------------------------------------------------------


@dataclass
class ListingRow:
    enterprise: Enterprise
    year: int
    service_officer: Any
    note: str


class KeyEnterpriseListingResource(SheetResource):
    """Puts enterprises on a year's key-enterprise list (or updates the officer and note)."""

    columns = ColumnSet(
        [
            Column("year", "年度", (), required=True),
            CREDIT_CODE,
            Column("service_officer", "服务专员", ("service officer", "officer")),
            Column("note", "备注"),
        ],
        ignored=("企业名称", "enterprise_name"),
    )

    year = Field(attribute="year", column_name="年度")
    credit_code = Field(column_name="统一社会信用代码")
    enterprise_name = Field(column_name="企业名称", readonly=True)
    service_officer = Field(column_name="服务专员")
    note = Field(attribute="note", column_name="备注")

    class Meta:
        model = KeyEnterpriseListing
        fields = ("year", "credit_code", "enterprise_name", "service_officer", "note")
        force_init_instance = True
        name = gettext_lazy("重点企业名录")

    def get_queryset(self) -> QuerySet[KeyEnterpriseListing]:
        return KeyEnterpriseListing.objects.select_related("enterprise", "service_officer")

    def validate_rows(
        self, rows: list[tuple[int, dict[str, str]]], headers: HeaderMap
    ) -> tuple[dict[int, Any], list[RowError]]:
        today = timezone.localdate()
        staged: list[tuple[int, _RowCleaner, int | None, str | None, str]] = []
        for number, cells in rows:
            row = _RowCleaner(number, cells, headers)
            year = row.parsed("year", lambda v: parse_year(v, today=today), required=True)
            code = row.parsed("credit_code", credit_code_validate, required=True)
            note = row.text("note", max_length=200)
            staged.append((number, row, year, code, note))
        enterprises = _enterprises_by_code({code for _, _, _, code, _ in staged if code})
        officers = _staff_by_username({row.cells.get("service_officer", "") for _, row, *_ in staged})
        cleaned: dict[int, ListingRow] = {}
        errors: list[RowError] = []
        first_row: dict[tuple[str, int], int] = {}
        for number, row, year, code, note in staged:
            enterprise = enterprises.get(code) if code else None
            if code and enterprise is None:
                row.error("credit_code", gettext("没有该统一社会信用代码的企业"))
            if code and year:
                first = first_row.setdefault((code, year), number)
                if first != number:
                    row.error("credit_code", pgettext("enterprise and year", "与第%(row)d行重复") % {"row": first})
            username = row.cells.get("service_officer", "")
            officer = officers.get(username.casefold()) if username else None
            if username and officer is None:
                row.error("service_officer", gettext("没有该工作人员账号"))
            errors.extend(row.errors)
            if not row.errors and enterprise is not None and year is not None:
                cleaned[number] = ListingRow(enterprise=enterprise, year=year, service_officer=officer, note=note)
        return cleaned, errors

    def find_existing(self, cleaned: ListingRow) -> KeyEnterpriseListing | None:
        return KeyEnterpriseListing.objects.filter(enterprise=cleaned.enterprise, year=cleaned.year).first()

    def fill_instance(self, instance: KeyEnterpriseListing, cleaned: ListingRow) -> None:
        instance.enterprise = cleaned.enterprise
        instance.year = cleaned.year
        instance.service_officer = cleaned.service_officer
        instance.note = cleaned.note

    def save_row(self, instance: KeyEnterpriseListing, cleaned: ListingRow, *, actor: Any) -> KeyEnterpriseListing:
        return key_listing_set(
            enterprise=cleaned.enterprise, year=cleaned.year, service_officer=cleaned.service_officer, note=cleaned.note
        )

    def dehydrate_credit_code(self, obj: KeyEnterpriseListing) -> str:
        return obj.enterprise.credit_code if obj.enterprise_id else ""

    def dehydrate_enterprise_name(self, obj: KeyEnterpriseListing) -> str:
        return obj.enterprise.name if obj.enterprise_id else ""

    def dehydrate_service_officer(self, obj: KeyEnterpriseListing) -> str:
        return obj.service_officer.get_username() if obj.service_officer_id and obj.service_officer else ""


def _staff_by_username(usernames: set[str]) -> dict[str, Any]:
    names = {u for u in usernames if u}
    if not names:
        return {}
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    users = get_user_model().objects.filter(query, is_staff=True, is_active=True)
    return {u.get_username().casefold(): u for u in users}


# --- Quotas --------------------------------------------------------------------------------------


@dataclass
class QuotaRow:
    enterprise: Enterprise
    kind: str
    year: int
    total: int


class QuotaResource(SheetResource):
    """Sets quota totals (creates the quota, or resizes it: never below what is already used)."""

    columns = ColumnSet(
        [
            CREDIT_CODE,
            Column("kind", "类型", ("指标类型",), required=True),
            Column("year", "年度", (), required=True),
            Column("total", "总数", ("指标数",), required=True),
        ],
        ignored=("企业名称", "enterprise_name", "已用", "used", "剩余", "remaining"),
    )

    credit_code = Field(column_name="统一社会信用代码")
    enterprise_name = Field(column_name="企业名称", readonly=True)
    kind = Field(column_name="类型")
    year = Field(attribute="year", column_name="年度")
    total = Field(attribute="total", column_name="总数")
    used = Field(attribute="used", column_name="已用", readonly=True)

    class Meta:
        model = Quota
        fields = ("credit_code", "enterprise_name", "kind", "year", "total", "used")
        force_init_instance = True
        name = gettext_lazy("企业指标")

    def get_queryset(self) -> QuerySet[Quota]:
        return Quota.objects.select_related("enterprise")

    def validate_rows(
        self, rows: list[tuple[int, dict[str, str]]], headers: HeaderMap
    ) -> tuple[dict[int, Any], list[RowError]]:
        today = timezone.localdate()
        kinds = _choices(Quota.Kind.choices)
        staged = []
        for number, cells in rows:
            row = _RowCleaner(number, cells, headers)
            code = row.parsed("credit_code", credit_code_validate, required=True)
            kind = row.parsed("kind", lambda v: parse_choice(v, kinds), required=True)
            year = row.parsed("year", lambda v: parse_year(v, today=today), required=True)
            total = row.parsed("total", lambda v: parse_int(v, minimum=0, maximum=1_000_000), required=True)
            staged.append((number, row, code, kind, year, total))
        enterprises = _enterprises_by_code({s[2] for s in staged if s[2]})
        existing = {
            (q.enterprise_id, q.kind, q.year): q
            for q in Quota.objects.filter(enterprise__in=enterprises.values(), year__in={s[4] for s in staged if s[4]})
        }
        cleaned: dict[int, QuotaRow] = {}
        errors: list[RowError] = []
        first_row: dict[tuple[str, str, int], int] = {}
        for number, row, code, kind, year, total in staged:
            enterprise = enterprises.get(code) if code else None
            if code and enterprise is None:
                row.error("credit_code", gettext("没有该统一社会信用代码的企业"))
            if code and kind and year:
                first = first_row.setdefault((code, kind, year), number)
                if first != number:
                    row.error("kind", pgettext("enterprise, kind and year", "与第%(row)d行重复") % {"row": first})
            quota = existing.get((enterprise.pk, kind, year)) if enterprise is not None else None
            if quota is not None and total is not None and total < quota.used:
                row.error("total", gettext("不能小于已使用的 %(used)d 个") % {"used": quota.used})
            errors.extend(row.errors)
            if not row.errors and enterprise is not None:
                cleaned[number] = QuotaRow(enterprise=enterprise, kind=kind, year=year, total=total)
        return cleaned, errors

    def find_existing(self, cleaned: QuotaRow) -> Quota | None:
        return Quota.objects.filter(enterprise=cleaned.enterprise, kind=cleaned.kind, year=cleaned.year).first()

    def fill_instance(self, instance: Quota, cleaned: QuotaRow) -> None:
        instance.enterprise = cleaned.enterprise
        instance.kind = cleaned.kind
        instance.year = cleaned.year
        instance.total = cleaned.total

    def save_row(self, instance: Quota, cleaned: QuotaRow, *, actor: Any) -> Quota:
        return quota_set_total(
            enterprise_id=cleaned.enterprise.pk, kind=cleaned.kind, year=cleaned.year, total=cleaned.total, actor=actor
        )

    def dehydrate_credit_code(self, obj: Quota) -> str:
        return obj.enterprise.credit_code if obj.enterprise_id else ""

    def dehydrate_enterprise_name(self, obj: Quota) -> str:
        return obj.enterprise.name if obj.enterprise_id else ""

    def dehydrate_kind(self, obj: Quota) -> str:
        return str(obj.get_kind_display()) if obj.kind else ""
