"""District figures (the seed document's numbers), computed from the records at request time.

A fixed number of queries whatever the size of the data: one per figure group, each an aggregate
in the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.apartments import selectors as apartment_selectors
from apps.enterprises.models import Enterprise, KeyEnterpriseListing, Quota, ShortageIntroduction
from apps.schools import selectors as school_selectors
from apps.talents.models import Talent, TalentCategory, TalentCategoryHolding

POSTDOC = "postdoc"
SHORTAGE = "shortage"


def share_percent(count: int, city_total: int | None) -> float | None:
    """``count`` as a percentage of the city-wide total, rounded half up to one decimal."""
    if not city_total:
        return None
    share = (Decimal(count) * 100 / Decimal(city_total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(share)


def _category_counts() -> dict[int, int]:
    """Talents per category id. A high-level talent counts once, under the highest (lowest
    ``level``) high-level category held; other categories count everyone who holds them.

    Only holdings staff verified count: a self-declared category must not move the district's figures."""
    highest = (
        TalentCategoryHolding.objects.filter(
            talent=OuterRef("pk"), category__is_high_level=True, category__active=True, verified=True
        )
        .order_by("category__level", "category__sort_order", "category__code")
        .values("category_id")[:1]
    )
    high = (
        Talent.objects.annotate(top_category=Subquery(highest))
        .filter(top_category__isnull=False)
        .values("top_category")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["top_category"]: row["n"] for row in high}
    others = (
        TalentCategoryHolding.objects.filter(category__is_high_level=False, category__active=True, verified=True)
        .values("category_id")
        .annotate(n=Count("talent_id", distinct=True))
        .order_by()
    )
    counts.update({row["category_id"]: row["n"] for row in others})
    return counts


def application_counts() -> dict[str, dict[str, int]]:
    """``{service code: {status: n}}``; empty while the workflow app is not installed."""
    if not django_apps.is_installed("apps.workflow"):
        return {}
    application_model: Any = import_module("apps.workflow.models").Application
    rows = application_model.objects.values("service__code", "status").annotate(n=Count("id")).order_by()
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row["service__code"], {})[row["status"]] = row["n"]
    return result


def services_in_order() -> list[dict[str, str]]:
    """Every service of the catalog (inactive ones too: their applications still count), in the
    catalog's order, with both names. One query; empty while the workflow app is not installed."""
    if not django_apps.is_installed("apps.workflow"):
        return []
    service_model: Any = import_module("apps.workflow.models").ServiceDefinition
    return list(service_model.objects.order_by("sort_order", "code").values("code", "name", "name_en"))


def deadline_counts() -> dict[str, dict[str, int]]:
    """``{service code: {"due_soon": n, "overdue": n}}`` with the staff queues' own meaning
    (``workflow.selectors.staff_queue``); services with neither are left out. Two queries."""
    if not django_apps.is_installed("apps.workflow"):
        return {}
    staff_queue: Any = import_module("apps.workflow.selectors").staff_queue
    result: dict[str, dict[str, int]] = {}
    for queue in ("due_soon", "overdue"):
        # The queue's conditions need no user; "mine" is the only one that reads it.
        rows = staff_queue(None, queue=queue).values("service__code").annotate(n=Count("id")).order_by()
        for row in rows:
            result.setdefault(row["service__code"], {"due_soon": 0, "overdue": 0})[queue] = row["n"]
    return result


def quota_usage(*, year: int) -> list[dict[str, Any]]:
    """This year's quotas summed per kind: ``[{"kind", "total", "used", "enterprises"}]``, every kind
    listed (zeros when none was granted), in the order of ``Quota.Kind``. One query."""
    rows = {
        row["kind"]: row
        for row in Quota.objects.filter(year=year)
        .values("kind")
        .annotate(total=Sum("total"), used=Sum("used"), enterprises=Count("enterprise_id", distinct=True))
        .order_by()
    }
    return [
        {
            "kind": kind.value,
            "total": rows.get(kind.value, {}).get("total") or 0,
            "used": rows.get(kind.value, {}).get("used") or 0,
            "enterprises": rows.get(kind.value, {}).get("enterprises") or 0,
        }
        for kind in Quota.Kind
    ]


def district_overview(*, today: dt.date | None = None) -> dict[str, Any]:
    """The figures of ``GET /api/v1/stats/overview/`` and the staff dashboard."""
    year = (today or timezone.localdate()).year
    counts = _category_counts()
    categories = list(TalentCategory.objects.filter(active=True).order_by("sort_order", "level", "code"))
    by_code = {c.code: counts.get(c.pk, 0) for c in categories}

    places = Enterprise.objects.aggregate(
        incubators=Count("id", filter=Q(kind=Enterprise.Kind.INCUBATOR)),
        floor_area=Coalesce(
            Sum("floor_area_m2", filter=Q(kind=Enterprise.Kind.INCUBATOR)),
            Decimal("0"),
            output_field=Enterprise._meta.get_field("floor_area_m2"),
        ),
        graduated=Coalesce(Sum("graduated_firms", filter=Q(kind=Enterprise.Kind.INCUBATOR)), 0),
        maker_spaces=Count("id", filter=Q(kind=Enterprise.Kind.MAKER_SPACE)),
        maker_national=Count("id", filter=Q(kind=Enterprise.Kind.MAKER_SPACE, is_national=True)),
    )
    shortage_enterprises = (
        ShortageIntroduction.objects.filter(talent__holdings__category__code=SHORTAGE, talent__holdings__verified=True)
        .values("enterprise_id")
        .distinct()
        .count()
    )
    return {
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "name_en": c.name_en,  # the English page's name; not part of the API's figures
                "count": by_code[c.code],
                "city_total": c.city_total,
                "share_percent": share_percent(by_code[c.code], c.city_total),
            }
            for c in categories
        ],
        "high_level_total": sum(by_code[c.code] for c in categories if c.is_high_level),
        "postdocs": by_code.get(POSTDOC, 0),
        # (enterprise, year) is unique: counting listings counts enterprises.
        "key_enterprises": KeyEnterpriseListing.objects.filter(year=year).count(),
        "incubators": {
            "count": places["incubators"],
            "floor_area_m2": places["floor_area"],
            "graduated_firms": places["graduated"],
        },
        "maker_spaces": {"count": places["maker_spaces"], "national": places["maker_national"]},
        "shortage_talents": {"count": by_code.get(SHORTAGE, 0), "enterprises": shortage_enterprises},
        "applications": application_counts(),
        "schools": school_selectors.overview_figures(year=year),
        "apartments": apartment_selectors.overview_figures(),
    }
