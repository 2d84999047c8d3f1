"""Talent import: one validator for the command line and the admin, and the bulk path.

Every row is validated in Python first — resident ID (GB 11643 check digit, birth date), phone,
e-mail, education, employer credit code (GB 32100), categories, year — and every problem is
collected with its row number and column. Duplicates are found within the file and against the
database. Only a file without a single error is written, by ``services.talent_bulk_create`` in one
transaction (batched ``bulk_create``); so an import is all or nothing.

``python manage.py import_talents FILE [--dry-run]`` runs :func:`talent_import_file`; the admin's
``TalentResource`` runs the same :class:`TalentRowValidator` and saves row by row through the
profile services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, pgettext

from apps.core.identifiers import IdentifierError, credit_code_validate, phone_validate, resident_id_parse
from apps.core.spreadsheets import (
    HEADER_ROW,
    Column,
    ColumnSet,
    HeaderMap,
    RowError,
    header_key,
    parse_year,
    read_table,
)
from apps.enterprises.models import Enterprise

from .models import Talent, TalentCategory
from .services import TalentBulkRow, talent_bulk_create

TALENT_COLUMNS = ColumnSet(
    [
        Column("name", "姓名", ("姓名",), required=True),
        Column("id_number", "身份证号", ("身份证号码", "居民身份证号码", "公民身份号码", "resident_id"), required=True),
        Column("phone", "手机", ("手机号", "手机号码", "mobile")),
        Column("email", "邮箱", ("电子邮箱", "e-mail")),
        Column("education", "学历"),
        Column("degree", "学位"),
        Column("field", "专业领域", ("专业",)),
        Column("employer_credit_code", "工作单位信用代码", ("工作单位统一社会信用代码", "employer")),
        Column("categories", "人才类别", ("类别", "category")),
        Column("year", "入选年度", ("年度",)),
    ],
    # Written by the export for people to read; ignored when the file comes back.
    ignored=("工作单位", "employer_name"),
)

_MAX_LENGTHS = {"name": 100, "email": 254, "degree": 50, "field": 100}
_CATEGORY_SPLIT = re.compile(r"[;；,，、\s]+")
# Common short forms staff type for the education levels.
_EDUCATION_SHORT = {"博士": "doctorate", "硕士": "master", "本科": "bachelor", "专科": "college", "大专": "college"}
_DB_CHUNK = 5000

REQUIRED = gettext_lazy("必填")


@dataclass
class TalentValidation:
    rows: list[TalentBulkRow] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0
    employers: dict[int, Enterprise] = field(default_factory=dict)

    def by_row(self) -> dict[int, TalentBulkRow]:
        return dict(zip(self.row_numbers, self.rows, strict=True))


class TalentRowValidator:
    """Validates talent rows. Built once per import: it prefetches the categories, keeps one HMAC
    key schedule for the keyed hashes, and remembers the resident IDs already seen in the file."""

    def __init__(self, *, today: dt.date | None = None):
        self.today = today or timezone.localdate()
        self._hmac = hmac.new(settings.PII_HASH_KEY.encode("utf-8"), digestmod=hashlib.sha256)
        self._email = EmailValidator()
        self._credit_codes: dict[str, str | IdentifierError] = {}
        self.categories: dict[str, tuple[int, str]] = {}
        for pk, code, name, name_en in TalentCategory.objects.filter(active=True).values_list(
            "pk", "code", "name", "name_en"
        ):
            for alias in (code, name, name_en):
                if alias:
                    self.categories[alias.casefold()] = (pk, code)
        # Looked up by code or label, once here: the labels are lazy translations, slow per row.
        self.education_choices = [(code, str(label)) for code, label in Talent.Education.choices]
        self.education = {header_key(v): code for code, label in self.education_choices for v in (code, label)}
        # A file written in the portal's language reads the same whichever language the importer uses.
        with translation.override(settings.LANGUAGE_CODE):
            self.education.update({header_key(str(label)): code for code, label in Talent.Education.choices})
        self.education.update(_EDUCATION_SHORT)

    def pii_hash(self, value: str) -> str:
        # The same digest as apps.core.crypto.pii_hash, without re-keying HMAC for every value.
        digest = self._hmac.copy()
        digest.update(value.encode("utf-8"))
        return digest.hexdigest()

    def validate(self, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> TalentValidation:
        headers_map, header_errors = TALENT_COLUMNS.map_headers(headers)
        if header_errors:
            return TalentValidation(errors=header_errors)
        numbered = ((number, headers_map.cells(values), values) for number, values in enumerate(rows, HEADER_ROW + 1))
        return self.validate_cells(((n, c) for n, c, _ in numbered if any(c.values())), headers_map)

    def validate_cells(self, rows: Iterable[tuple[int, dict[str, str]]], headers: HeaderMap) -> TalentValidation:
        result = TalentValidation()
        seen_ids: dict[str, int] = {}
        valid: dict[int, TalentBulkRow] = {}
        # Every row's employer and resident ID are checked against the database, bad rows' too,
        # so the report lists all of a row's problems at once.
        codes: list[tuple[int, str]] = []
        hashes: list[tuple[int, str]] = []
        for number, cells in rows:
            result.total += 1
            row, errors, code, id_hash = self._clean(number, cells, headers, seen_ids)
            result.errors.extend(errors)
            if code:
                codes.append((number, code))
            if id_hash:
                hashes.append((number, id_hash))
            if row is not None:
                valid[number] = row
        self._check_database(result, valid, codes, hashes, headers)
        result.row_numbers = list(valid)
        result.rows = list(valid.values())
        if result.errors:
            order = TALENT_COLUMNS.order
            label_key = {headers.label(key): key for key in order}
            result.errors.sort(key=lambda e: (e.row, order.get(label_key.get(e.column, ""), 99)))
        return result

    def _clean(
        self, number: int, cells: dict[str, str], headers: HeaderMap, seen_ids: dict[str, int]
    ) -> tuple[TalentBulkRow | None, list[RowError], str | None, str | None]:
        """The cleaned row (None if bad), its errors, and its valid credit code and ID hash if any."""
        errors: list[RowError] = []
        valid_code: str | None = None

        def error(key: str, message: str) -> None:
            errors.append(RowError(number, headers.label(key), message))

        for key, limit in _MAX_LENGTHS.items():
            if len(cells.get(key, "")) > limit:
                error(key, gettext("最多%(limit)d个字符") % {"limit": limit})
        name = cells.get("name", "")
        if not name:
            error("name", str(REQUIRED))

        id_text = cells.get("id_number", "")
        parsed = None
        id_hash = ""
        if not id_text:
            error("id_number", str(REQUIRED))
        else:
            try:
                parsed = resident_id_parse(id_text, today=self.today)
            except IdentifierError as exc:
                error("id_number", str(exc))
            else:
                id_hash = self.pii_hash(parsed.number)
                first = seen_ids.setdefault(id_hash, number)
                if first != number:
                    error("id_number", pgettext("resident ID", "与第%(row)d行重复") % {"row": first})

        phone = cells.get("phone", "")
        phone_hash = None
        if phone:
            try:
                phone = phone_validate(phone)
            except IdentifierError as exc:
                error("phone", str(exc))
            else:
                phone_hash = self.pii_hash(phone)

        email = cells.get("email", "")
        if email:
            try:
                self._email(email)
            except DjangoValidationError:
                error("email", gettext("电子邮箱格式不正确"))

        education = cells.get("education", "")
        if education:
            code = self.education.get(education) or self.education.get(header_key(education))
            if code is None:
                choices = gettext("、").join(f"{label}({code})" for code, label in self.education_choices)
                error("education", gettext("应为以下之一：%(options)s") % {"options": choices})
            education = code or ""

        code = cells.get("employer_credit_code", "")
        if code:
            # A file names a few hundred employers over and over: validate each code once.
            checked = self._credit_codes.get(code)
            if checked is None:
                try:
                    checked = credit_code_validate(code)
                except IdentifierError as exc:
                    checked = exc
                self._credit_codes[code] = checked
            if isinstance(checked, IdentifierError):
                error("employer_credit_code", str(checked))
            else:
                valid_code = checked

        category_ids: list[int] = []
        category_codes: list[str] = []
        unknown: list[str] = []
        for token in _CATEGORY_SPLIT.split(cells.get("categories", "")):
            if not token:
                continue
            found = self.categories.get(token.casefold())
            if found is None:
                unknown.append(token)
            elif found[0] not in category_ids:
                category_ids.append(found[0])
                category_codes.append(found[1])
        if unknown:
            unknown_list = gettext("、").join(unknown)
            error("categories", gettext("未知的人才类别：%(categories)s") % {"categories": unknown_list})

        year = None
        year_text = cells.get("year", "")
        if year_text:
            try:
                year = parse_year(year_text, today=self.today)
            except ValueError as exc:
                error("year", str(exc))
            else:
                if not category_ids and not unknown:
                    error("year", gettext("填写入选年度时须填写人才类别"))

        if errors or parsed is None:
            return None, errors, valid_code, id_hash or None
        return (
            TalentBulkRow(
                name=name,
                id_number=parsed.number,
                id_number_hash=id_hash,
                birth_date=parsed.birth_date,
                sex=parsed.sex,
                phone=phone,
                phone_hash=phone_hash,
                email=email,
                education=education,
                degree=cells.get("degree", ""),
                field=cells.get("field", ""),
                category_ids=tuple(category_ids),
                category_codes=tuple(category_codes),
                year=year,
            ),
            [],
            valid_code,
            id_hash,
        )

    def _check_database(
        self,
        result: TalentValidation,
        valid: dict[int, TalentBulkRow],
        codes: list[tuple[int, str]],
        hashes: list[tuple[int, str]],
        headers: HeaderMap,
    ) -> None:
        """Employers must exist; resident IDs must not. Looked up in chunks, not row by row."""
        distinct = sorted({code for _, code in codes})
        employers: dict[str, Enterprise] = {}
        for start in range(0, len(distinct), _DB_CHUNK):
            chunk = distinct[start : start + _DB_CHUNK]
            for enterprise in Enterprise.objects.filter(credit_code__in=chunk).only("pk", "name", "credit_code"):
                employers[enterprise.credit_code] = enterprise
        for number, code in codes:
            enterprise = employers.get(code)
            if enterprise is None:
                result.errors.append(
                    RowError(
                        number,
                        headers.label("employer_credit_code"),
                        gettext("没有该统一社会信用代码的企业，请先登记企业"),
                    )
                )
                valid.pop(number, None)
            elif number in valid:
                valid[number].employer_id = enterprise.pk
                result.employers[enterprise.pk] = enterprise
        existing: set[str] = set()
        for start in range(0, len(hashes), _DB_CHUNK):
            chunk_hashes = [h for _, h in hashes[start : start + _DB_CHUNK]]
            for found in Talent.objects.filter(id_number_hash__in=chunk_hashes).values_list(
                "id_number_hash", flat=True
            ):
                existing.add(found or "")
        for number, id_hash in hashes:
            if id_hash in existing:
                result.errors.append(
                    RowError(
                        number,
                        headers.label("id_number"),
                        gettext("该身份证号码已登记在人才信息库"),
                    )
                )
                valid.pop(number, None)


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


def talent_import(
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    actor: Any = None,
    dry_run: bool = False,
    batch_size: int | None = None,
) -> ImportReport:
    """Validate every row; write all of them if none is bad (and not ``dry_run``), else nothing."""
    started = time.perf_counter()
    validation = TalentRowValidator().validate(headers, rows)
    report = ImportReport(total=validation.total, errors=validation.errors, dry_run=dry_run)
    report.timings["validate"] = time.perf_counter() - started
    if report.errors or dry_run:
        return report
    started = time.perf_counter()
    try:
        kwargs = {"batch_size": batch_size} if batch_size is not None else {}
        report.created = talent_bulk_create(rows=validation.rows, actor=actor, source="import", **kwargs)
    except IntegrityError:
        # Someone registered one of these resident IDs while we were validating.
        report.errors = [
            RowError(
                HEADER_ROW,
                TALENT_COLUMNS.by_key["id_number"].label,
                gettext("导入期间有身份证号码被登记，已全部撤销，请重新导入"),
            )
        ]
    report.timings["write"] = time.perf_counter() - started
    return report


def talent_import_file(
    source: str | Path | BinaryIO,
    *,
    name: str | None = None,
    actor: Any = None,
    dry_run: bool = False,
    batch_size: int | None = None,
) -> ImportReport:
    """:func:`talent_import` of a ``.csv`` or ``.xlsx`` file (``UnreadableFile`` if it cannot be read)."""
    started = time.perf_counter()
    headers, rows = read_table(source, name=name)
    read = time.perf_counter() - started
    report = talent_import(headers, rows, actor=actor, dry_run=dry_run, batch_size=batch_size)
    report.timings = {"read": read, **report.timings}
    return report
