from __future__ import annotations

from decimal import Decimal
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext

from apps.enterprises.models import Quota

from . import selectors


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


def _name(row: dict[str, Any]) -> str:
    return row.get("name_en") if _english() and row.get("name_en") else row["name"]


def _status_names(codes: set[str]) -> list[dict[str, str]]:
    """The states present, in the workflow's order, with their names; an unknown code (a state a
    service added) keeps its code as its name rather than disappearing."""
    if not django_apps.is_installed("apps.workflow"):
        return [{"code": c, "name": c} for c in sorted(codes)]
    status: Any = import_module("apps.workflow.states").Status
    known = [{"code": s.value, "name": str(s.label)} for s in status if s.value in codes]
    return known + [{"code": c, "name": c} for c in sorted(codes - set(status.values))]


def chart_data(figures: dict[str, Any], *, year: int) -> dict[str, Any]:
    """What the dashboard draws (``static/js/dashboard.js``) and tabulates: the overview's figures as
    they are (codes and counts, so they can be compared with the API's), plus the names to show."""
    applications: dict[str, dict[str, int]] = figures["applications"]
    deadlines = selectors.deadline_counts()
    codes = set(applications) | set(deadlines)
    services = [{"code": s["code"], "name": _name(s)} for s in selectors.services_in_order() if s["code"] in codes]
    listed = {s["code"] for s in services}
    services += [{"code": c, "name": c} for c in sorted(codes - listed)]
    kinds = dict(Quota.Kind.choices)
    return {
        "categories": [
            {
                "code": c["code"],
                "name": _name(c),
                "count": c["count"],
                "city_total": c["city_total"],
                "share_percent": c["share_percent"],
            }
            for c in figures["categories"]
        ],
        "services": services,
        "statuses": _status_names({status for counts in applications.values() for status in counts}),
        "applications": applications,
        "deadlines": deadlines,
        "quotas": [
            dict(q, name=str(kinds.get(q["kind"], q["kind"])), remaining=q["total"] - q["used"])
            for q in selectors.quota_usage(year=year)
        ],
        "labels": {
            "count": gettext("人数"),
            "share": gettext("占全市"),
            "applications": gettext("件数"),
            "due_soon": gettext("即将到期"),
            "overdue": gettext("已超期"),
            "used": gettext("已用"),
            "remaining": gettext("剩余"),
        },
    }


def _application_table(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for service in data["services"]:
        counts = data["applications"].get(service["code"], {})
        if counts:
            cells = [counts.get(s["code"], 0) for s in data["statuses"]]
            rows.append({"name": service["name"], "cells": cells, "total": sum(cells)})
    return rows


def _deadline_table(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": s["name"], **data["deadlines"][s["code"]]} for s in data["services"] if s["code"] in data["deadlines"]
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The district figures for staff: the overview's selectors drawn as charts (ECharts, from a
    ``json_script`` block) with the same figures as tables beside them for readers without them."""
    if not getattr(request.user, "is_district_staff", False):
        raise PermissionDenied
    today = timezone.localdate()
    figures = selectors.district_overview(today=today)
    data = chart_data(figures, year=today.year)
    area = Decimal(figures["incubators"]["floor_area_m2"])
    context = {
        "figures": figures,
        "data": data,
        "application_rows": _application_table(data),
        "deadline_rows": _deadline_table(data),
        "floor_area": f"{area:,.0f}",
        "floor_area_wan": (area / 10000).quantize(Decimal("0.01")),
        "year": today.year,
    }
    return render(request, "reports/dashboard.html", context)
