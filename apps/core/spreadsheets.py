"""Spreadsheet import and export shared by the apps: columns with Chinese headers and English
aliases, reading csv/xlsx files, errors by row number and column, and a django-import-export
resource base whose imports are all or nothing and validated by the app's own code.

Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2, so the
number a clerk reads in a report is the row they see in Excel or WPS.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from import_export import resources
from import_export.formats import base_formats
from import_export.results import Result

from .exceptions import DomainError

HEADER_ROW = 1


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one cell: row 1 is the header row; ``column`` is the header as written."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return gettext("第%(row)d行，[%(column)s]：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


def header_key(text: Any) -> str:
    """How headers are compared: full-width folded, case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).casefold().replace("_", "")


def cell_text(value: Any) -> str:
    """A cell as text: spreadsheets give numbers, dates and booleans; ``13800138000.0`` → ``13800138000``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


@dataclass(frozen=True)
class Column:
    key: str  # the name the code uses, also accepted as an English header
    label: str  # the Chinese header written in exports and templates
    aliases: tuple[str, ...] = ()
    required: bool = False  # the header must be present


@dataclass
class HeaderMap:
    """Which file column holds which key, and each key's header as written in the file."""

    positions: list[tuple[int, str]] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)

    def label(self, key: str) -> str:
        return self.written.get(key, key)

    def cells(self, values: Sequence[Any]) -> dict[str, str]:
        n = len(values)
        return {key: cell_text(values[i]) if i < n else "" for i, key in self.positions}


class ColumnSet:
    def __init__(self, columns: Sequence[Column], *, ignored: Sequence[str] = ()):
        self.columns = list(columns)
        self.by_key = {c.key: c for c in self.columns}
        self.order = {c.key: i for i, c in enumerate(self.columns)}
        self._lookup: dict[str, str] = {}
        for c in self.columns:
            for name in (c.key, c.label, *c.aliases):
                self._lookup[header_key(name)] = c.key
        # Columns an export writes for people to read (an enterprise's name next to its code) and
        # an import accepts and ignores, so an exported file can be imported again.
        self._ignored = {header_key(h) for h in ignored}

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]

    def map_headers(self, headers: Sequence[Any] | None) -> tuple[HeaderMap, list[RowError]]:
        mapping = HeaderMap()
        errors: list[RowError] = []
        for i, header in enumerate(headers or ()):
            text = cell_text(header)
            if not text:
                continue
            key = self._lookup.get(header_key(text))
            if key is None:
                if header_key(text) not in self._ignored:
                    expected = gettext("、").join(self.labels)
                    message = gettext("未知的列（应为：%(expected)s）") % {"expected": expected}
                    errors.append(RowError(HEADER_ROW, text, message))
                continue
            if key in mapping.written:
                message = gettext("与“%(column)s”重复") % {"column": mapping.written[key]}
                errors.append(RowError(HEADER_ROW, text, message))
                continue
            mapping.written[key] = text
            mapping.positions.append((i, key))
        for c in self.columns:
            if c.required and c.key not in mapping.written:
                errors.append(RowError(HEADER_ROW, c.label, gettext("缺少必需的列")))
        return mapping, errors


# --- Reading files --------------------------------------------------------------------------


class UnreadableFile(ValueError):
    pass


def read_table(source: str | Path | BinaryIO, *, name: str | None = None) -> tuple[list[Any], list[Sequence[Any]]]:
    """Headers and data rows of a ``.csv`` (UTF-8, with or without BOM, or GB18030 as Excel saves
    it in China) or ``.xlsx`` (first sheet) file."""
    name = name or str(getattr(source, "name", source))
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        rows = _read_xlsx(source)
    elif suffix in (".csv", ".txt"):
        raw = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
        rows = _read_csv(raw)
    else:
        raise UnreadableFile(gettext("不支持的文件类型 %(suffix)s，请使用 .csv 或 .xlsx") % {"suffix": repr(suffix)})
    if not rows:
        raise UnreadableFile(gettext("文件为空"))
    return list(rows[0]), rows[1:]


def _read_csv(raw: bytes) -> list[Sequence[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text, newline="")))
    raise UnreadableFile(gettext("无法识别文件编码，请另存为 UTF-8"))


def _read_xlsx(source: str | Path | BinaryIO) -> list[Sequence[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise UnreadableFile(gettext("无法读取 xlsx 文件：%(error)s") % {"error": exc}) from exc
    try:
        return [row for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


# --- Small parsers shared by the resources ----------------------------------------------------

_TRUE = {"是", "y", "yes", "true", "1", "√"}
_FALSE = {"否", "n", "no", "false", "0", ""}


def parse_bool(text: str) -> bool:
    value = text.strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(gettext("请填“是”或“否”"))


def parse_int(text: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    try:
        value = int(Decimal(text.strip()))
        if Decimal(text.strip()) != value:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValueError(gettext("应为整数")) from None
    if minimum is not None and value < minimum:
        raise ValueError(gettext("不能小于 %(minimum)s") % {"minimum": minimum})
    if maximum is not None and value > maximum:
        raise ValueError(gettext("不能大于 %(maximum)s") % {"maximum": maximum})
    return value


def parse_year(text: str, *, today: dt.date) -> int:
    return parse_int(text, minimum=1949, maximum=today.year + 1)


def parse_choice(text: str, choices: Iterable[tuple[str, Any]]) -> str:
    """A choice given by its code or its label (``doctorate`` or ``博士研究生``): the label in the
    reader's language or, for a lazy label, in the portal's (files are written in Chinese whoever
    imports them)."""
    wanted = header_key(text)
    choices = list(choices)
    with translation.override(settings.LANGUAGE_CODE):
        portal_labels = [str(label) for _, label in choices]
    for (code, label), portal_label in zip(choices, portal_labels, strict=True):
        if wanted in (header_key(code), header_key(label), header_key(portal_label)):
            return code
    options = gettext("、").join(f"{label}({code})" for code, label in choices)
    raise ValueError(gettext("应为以下之一：%(options)s") % {"options": options})


# --- django-import-export --------------------------------------------------------------------


class SheetResult(Result):
    """django-import-export numbers data rows from 1; we show spreadsheet rows (header = 1)."""

    def append_invalid_row(self, number: int, row: Any, validation_error: ValidationError) -> None:
        super().append_invalid_row(number + HEADER_ROW, row, validation_error)

    def append_error_row(self, number: int, row: Any, errors: Any) -> None:
        super().append_error_row(number + HEADER_ROW, row, errors)

    def append_header_errors(self, errors: Sequence[RowError]) -> None:
        super().append_invalid_row(HEADER_ROW, {}, errors_as_validation_error(errors))


def errors_as_validation_error(errors: Iterable[RowError]) -> ValidationError:
    by_column: dict[str, list[str]] = defaultdict(list)
    for error in errors:
        by_column[error.column].append(error.message)
    return ValidationError(dict(by_column))


class SheetDiff(resources.Diff):
    """The preview's before/after columns, through the resource's ``dehydrate_*`` methods (so
    computed and masked columns show as they would be exported)."""

    def __init__(self, resource: Any, instance: Any, new: bool):
        super().__init__(resource, instance, new)
        self.left = self._values(resource, instance)

    def compare_with(self, resource: Any, instance: Any) -> None:
        self.right = self._values(resource, instance)

    @staticmethod
    def _values(resource: Any, instance: Any) -> list[Any]:
        return [resource.export_field(f, instance) for f in resource.get_import_fields()]


class SheetResource(resources.ModelResource):
    """A resource whose rows are validated together by :meth:`validate_rows` (so duplicates
    within the file and against the database are found before anything is written) and saved by
    :meth:`save_row` through the app's services.

    * Every import runs in one transaction that is rolled back if any row is invalid: all or nothing,
      in the admin's preview (dry run) and on confirmation alike.
    * Errors are reported per row number and column, with the column named as in the file.
    * ``unmasked`` (a constructor keyword) decides whether personal identifiers are exported in full.
    """

    columns: ClassVar[ColumnSet]

    def __init__(self, **kwargs: Any):
        super().__init__()
        self.unmasked = bool(kwargs.get("unmasked", False))
        self._headers = HeaderMap()
        self._header_errors: list[RowError] = []
        self._cleaned: dict[int, Any] = {}
        self._errors: dict[int, list[RowError]] = {}
        self._row_number = 0

    @classmethod
    def get_result_class(cls) -> type[Result]:
        return SheetResult

    @classmethod
    def get_diff_class(cls) -> type[resources.Diff]:
        return SheetDiff

    # -- what a subclass provides --

    def validate_rows(
        self, rows: list[tuple[int, dict[str, str]]], headers: HeaderMap
    ) -> tuple[dict[int, Any], list[RowError]]:
        """Clean every row: ``({row number: cleaned}, [errors])``."""
        raise NotImplementedError

    def find_existing(self, cleaned: Any) -> Any:
        """The object a valid row updates, or None when it creates one."""
        return None

    def fill_instance(self, instance: Any, cleaned: Any) -> None:
        """Put the cleaned values on the instance, for the preview."""

    def save_row(self, instance: Any, cleaned: Any, *, actor: Any) -> Any:
        raise NotImplementedError

    # -- the import-export hooks --

    def import_data(  # type: ignore[override]
        self,
        dataset: Any,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs: Any,
    ) -> Result:
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._headers, self._header_errors = self.columns.map_headers(dataset.headers)
        if self._header_errors:
            dataset.wipe()  # nothing can be read by row; the header errors are the report
            return
        rows = [(number, self._headers.cells(values)) for number, values in enumerate(dataset, start=HEADER_ROW + 1)]
        rows = [(number, cells) for number, cells in rows if any(cells.values())]
        self._cleaned, errors = self.validate_rows(rows, self._headers)
        self._errors = defaultdict(list)
        for error in errors:
            self._errors[error.row].append(error)

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        # Not ModelResource.after_import: it resets the table's id sequence to max(id), which is
        # only needed when rows carry their own ids (ours never do) and would hand out ids that a
        # concurrent, not yet committed import (import_talents takes its ids in advance) holds.
        if self._header_errors:
            result.append_header_errors(self._header_errors)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        self._row_number = kwargs["row_number"] + HEADER_ROW

    def get_or_init_instance(self, instance_loader: Any, row: Any) -> tuple[Any, bool]:
        cleaned = self._cleaned.get(self._row_number)
        existing = self.find_existing(cleaned) if cleaned is not None else None
        if existing is not None:
            return existing, False
        return self.init_instance(row), True

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None) -> bool:
        # Blank lines (common at the end of a sheet) are neither errors nor rows.
        number = self._row_number
        return number not in self._cleaned and number not in self._errors

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        number = kwargs["row_number"] + HEADER_ROW
        if number in self._errors:
            raise errors_as_validation_error(self._errors[number])
        cleaned = self._cleaned.get(number)
        if cleaned is not None:
            self.fill_instance(instance, cleaned)

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        number = kwargs["row_number"] + HEADER_ROW
        try:
            saved = self.save_row(instance, self._cleaned[number], actor=kwargs.get("user"))
        except DomainError as exc:
            # A service refused the row (e.g. a quota below what is used): the row is invalid.
            data = exc.as_data()
            raise ValidationError(
                {self._headers.label(key) if key != "detail" else "—": messages for key, messages in data.items()}
            )
        if saved is not None and saved is not instance:
            instance.pk = saved.pk
            instance._state.adding = False
            instance._state.db = saved._state.db

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        """Related rows are written by :meth:`save_row`."""


class SheetAdminMixin:
    """For an ``ImportExportModelAdmin`` whose resources are :class:`SheetResource`: import needs
    add and change permission, export needs view permission, and a confirmed import that fails
    after all (the data changed since the preview) says so instead of reporting success."""

    import_error_display = ("message",)
    max_errors_in_message = 20
    # The two formats staff use (Excel/WPS and plain CSV); choice 0 is csv, 1 is xlsx.
    formats = [base_formats.CSV, base_formats.XLSX]

    def has_import_permission(self, request: Any) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)  # type: ignore[attr-defined]

    def has_export_permission(self, request: Any) -> bool:
        return self.has_view_permission(request)  # type: ignore[attr-defined]

    def process_result(self, result: Any, request: Any) -> Any:
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)  # type: ignore[misc]
        from django.contrib import messages
        from django.http import HttpResponseRedirect
        from django.urls import reverse

        lines = [
            gettext("第%(row)d行，[%(column)s]：%(message)s")
            % {"row": row.number, "column": column, "message": message}
            for row in result.invalid_rows
            for column, message_list in row.error_dict.items()
            for message in message_list
        ]
        lines += [
            gettext("第%(row)d行：%(message)s") % {"row": number, "message": error.error}
            for number, errors in result.row_errors()
            for error in errors
        ]
        lines += [str(error.error) for error in result.base_errors]
        shown = "; ".join(lines[: self.max_errors_in_message])
        more = f" (+{len(lines) - self.max_errors_in_message})" if len(lines) > self.max_errors_in_message else ""
        messages.error(request, gettext("导入未完成，未写入任何数据：%(errors)s") % {"errors": f"{shown}{more}"})
        opts = self.model._meta  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
