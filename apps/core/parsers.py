"""Request body parsers: malformed or absurdly nested JSON is the client's error (400), never a 500.

Nor is a value PostgreSQL cannot store: a NUL character (``\\u0000``: refused by ``jsonb`` and by
every text column), a lone surrogate (``\\ud800``: not encodable as UTF-8), or a non-finite number
(``NaN``, ``Infinity``, or ``1e999``, which Python reads as ``inf``; ``jsonb`` refuses them). Such a
body answers 400 naming the field: the top-level key, with the nested path in the message
(``{"data": ["data.u: ..."]}``).
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings


class _NonFinite:
    """What a non-finite number parses to: found (with its path) by the walk after parsing."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _parse_constant(text: str) -> _NonFinite:
    return _NonFinite(text)  # NaN, Infinity, -Infinity


def _parse_float(text: str) -> float | _NonFinite:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def _bad_text(text: str) -> str | None:
    """Why PostgreSQL could not store this string, or None."""
    if "\x00" in text:
        return gettext("不允许包含 NUL 字符")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return gettext("包含无效的 Unicode 字符")
    return None


def _label(key: Any) -> str:
    return str(key).replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _problems(value: Any) -> Iterator[tuple[list[str], str]]:
    """Each (path, reason) of a value PostgreSQL would refuse, walked without recursion (a body may be
    nested almost as deep as the recursion limit)."""
    stack: list[tuple[list[str], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            reason = _bad_text(item)
            if reason:
                yield path, reason
        elif isinstance(item, _NonFinite):
            yield path, gettext("数值必须是有限数（不允许 NaN 或 Infinity）")
        elif isinstance(item, Mapping):
            for key, sub in reversed(list(item.items())):
                here = [*path, _label(key)]
                reason = _bad_text(key) if isinstance(key, str) else None
                if reason:
                    yield here, reason
                stack.append((here, sub))
        elif isinstance(item, list | tuple):
            for index in reversed(range(len(item))):
                stack.append(([*path, str(index)], item[index]))


def refuse_unstorable(value: Any) -> None:
    """400 naming each field whose value (or key) holds a NUL, a lone surrogate or a non-finite number."""
    errors: dict[str, list[str]] = {}
    for path, reason in _problems(value):
        field = path[0] if path else api_settings.NON_FIELD_ERRORS_KEY
        message = f"{'.'.join(path)}: {reason}" if path else reason
        errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)


def _fields(query: Any) -> dict[str, Any]:
    """A form's fields as a dict: one value as itself, repeated values as a list."""
    return {key: values[0] if len(values) == 1 else values for key, values in query.lists()}


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested deeper than Python's recursion limit (``"[" * 100000``)
    raises RecursionError inside ``json.load``: answer 400 like any other unreadable body; and a value
    PostgreSQL cannot store is a 400 naming the field (see the module's docstring)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            decoded_stream = codecs.getreader(encoding)(stream)
            data = json.load(decoded_stream, parse_constant=_parse_constant, parse_float=_parse_float)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply")
        except ValueError as exc:  # includes UnicodeDecodeError and an integer too long to read
            raise ParseError(f"JSON parse error - {exc}")
        refuse_unstorable(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser; a form field (name or value) with a NUL is a 400 naming the field."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        result = super().parse(stream, media_type=media_type, parser_context=parser_context)
        refuse_unstorable(_fields(result.data))
        return result


class FormParser(parsers.FormParser):
    """DRF's urlencoded form parser; a field (name or value) with a NUL is a 400 naming the field."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        result = super().parse(stream, media_type=media_type, parser_context=parser_context)
        refuse_unstorable(_fields(result))
        return result
