"""Every read of engagement that leaves the app."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from apps.workflow.models import Application

from .models import ServiceRating

SCORES = tuple(sorted(ServiceRating.Score.values, reverse=True))  # 5 (非常满意) .. 1 (非常不满意)


def rating_for(application: Application) -> ServiceRating | None:
    """The application's rating, or None. The caller has already checked that the user may see the
    application (``apps.workflow.selectors.applications_visible_to``)."""
    return ServiceRating.objects.filter(application_id=application.pk).first()


@dataclass(frozen=True)
class ServiceRatingSummary:
    service_code: str
    service_name: str
    count: int
    average: Decimal  # to 2 places
    by_score: dict[int, int]  # every score 5..1, best first, zeros included


def rating_summary() -> list[ServiceRatingSummary]:
    """For staff: per service with at least one rating, in catalog order, how many ratings, their
    average, and how many of each score. One query."""
    rows = (
        ServiceRating.objects.values(
            "application__service__code", "application__service__name", "application__service__sort_order"
        )
        .annotate(
            count=Count("id"),
            total=Sum("score"),
            **{f"score_{score}": Count("id", filter=Q(score=score)) for score in SCORES},
        )
        .order_by("application__service__sort_order", "application__service__code")
    )
    return [
        ServiceRatingSummary(
            service_code=row["application__service__code"],
            service_name=row["application__service__name"],
            count=row["count"],
            average=(Decimal(row["total"]) / row["count"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            by_score={score: row[f"score_{score}"] for score in SCORES},
        )
        for row in rows
    ]
