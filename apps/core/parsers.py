"""Request body parsers: malformed or absurdly nested JSON is the client's error (400), never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested deeper than Python's recursion limit (``"[" * 100000``)
    raises RecursionError inside ``json.load``: answer 400 like any other unreadable body."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply")
        except ValueError as exc:  # DRF's own parse catches these today; kept so no version lets one through
            raise ParseError(f"JSON parse error - {exc}")
