"""``{% school_results talent %}``: a parent's school-place nominations and results on ``/my/``."""

from __future__ import annotations

from typing import Any

from django import template

from apps.schools.selectors import nominations_of_talent

register = template.Library()


@register.inclusion_tag("schools/_my_results.html")
def school_results(talent: Any) -> dict[str, Any]:
    return {"nominations": list(nominations_of_talent(talent)[:20]) if talent is not None else []}
