"""Template helpers for the citizen pages: the text in the reader's language, steps as lines, form fields."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


@register.simple_tag
def localized(obj: Any, field: str) -> Any:
    """``obj.<field>_en`` for an English reader when it is filled in, else ``obj.<field>``."""
    if obj is None:
        return ""
    if _english():
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field, "")


@register.filter
def lines(text: Any) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


@register.filter
def percent(used: Any, total: Any) -> int:
    """``used`` of ``total`` as a whole percentage for a usage bar (0 when there is no total)."""
    try:
        used, total = int(used), int(total)
    except (TypeError, ValueError):
        return 0
    if total <= 0:
        return 0
    return max(0, min(100, round(used * 100 / total)))


@register.inclusion_tag("portal/_field.html")
def field(bound_field: Any, hint: str = "") -> dict[str, Any]:
    """One form field with its label, hint and errors tied to it (aria-describedby), GOV.UK style."""
    hint = hint or bound_field.help_text
    identifier = bound_field.id_for_label
    described = [f"{identifier}-hint"] if hint else []
    described += [f"{identifier}-error-{n}" for n in range(1, len(bound_field.errors) + 1)]
    attrs = bound_field.field.widget.attrs  # the form instance's own copy of the field
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return {"field": bound_field, "hint": hint}


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
