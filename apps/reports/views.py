from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import selectors


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The district figures for staff: a table and a bar chart of each category's share of the city."""
    if not getattr(request.user, "is_district_staff", False):
        raise PermissionDenied
    figures = selectors.district_overview()
    top = max((c["count"] for c in figures["categories"]), default=0) or 1
    for category in figures["categories"]:
        category["bar_percent"] = round(category["count"] * 100 / top, 1)
    area = Decimal(figures["incubators"]["floor_area_m2"])
    context = {
        "figures": figures,
        "floor_area": f"{area:,.0f}",
        "floor_area_wan": (area / 10000).quantize(Decimal("0.01")),
        "year": timezone.localdate().year,
    }
    return render(request, "reports/dashboard.html", context)
