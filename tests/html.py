"""Reading the portal's HTML in page tests: elements by id, invalid inputs, the error summary."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Elements(HTMLParser):
    """Every start tag with an ``id``, by id: its name and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, tuple[str, dict[str, str | None]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.by_id[attributes["id"]] = (tag, attributes)


def elements(html: str) -> dict[str, tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.by_id


def invalid_inputs(html: str) -> set[str]:
    """The ids of the form controls marked ``aria-invalid="true"``."""
    return {
        ident
        for ident, (tag, attrs) in elements(html).items()
        if tag in ("input", "select", "textarea") and attrs.get("aria-invalid") == "true"
    }


def summary_links(html: str) -> list[str]:
    """The targets the error summary links to, in order."""
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.findall(r'<a href="#([^"]+)"', match.group(0)) if match else []
