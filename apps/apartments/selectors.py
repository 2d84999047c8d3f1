"""Reads of the apartments app, with their select_related/prefetch, for the API, pages and admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Prefetch, QuerySet
from django.utils import timezone

from apps.workflow.states import Status as AppStatus

from .models import Batch, BatchEntry, BatchUnit, Draw, Lease, Offer, Unit


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_district_staff)


def units_list() -> QuerySet[Unit]:
    return Unit.objects.select_related("building").order_by("building__name", "number", "pk")


def batches_list() -> QuerySet[Batch]:
    return Batch.objects.prefetch_related(
        Prefetch("batch_units", queryset=BatchUnit.objects.select_related("unit").order_by("unit_id"))
    ).order_by("-opens_on", "-pk")


def batch_layouts(batch: Batch) -> list[dict[str, Any]]:
    """Each layout the batch offers with its number of units (read from the prefetched units)."""
    counts: dict[str, int] = {}
    for bu in batch.batch_units.all():
        counts[bu.unit.layout] = counts.get(bu.unit.layout, 0) + 1
    return [{"layout": layout, "units": counts[layout]} for layout in sorted(counts)]


def batch_offered_layouts(batch_id: int) -> set[str]:
    return set(BatchUnit.objects.filter(batch_id=batch_id).values_list("unit__layout", flat=True))


def draw_public(batch: Batch) -> dict[str, Any]:
    """What anyone may read to recompute the draw: never the seed before the draw."""
    drawn = batch.status == Batch.Status.DRAWN
    units = list(BatchUnit.objects.filter(batch=batch).order_by("unit_id").values_list("unit_id", "unit__layout"))
    preferences = {}
    if batch.status != Batch.Status.OPEN:
        preferences = {
            number: layouts
            for number, layouts in BatchEntry.objects.filter(batch=batch)
            .order_by("number")
            .values_list("number", "layouts")
        }
    previous = [
        {
            "draw_round": d.draw_round,
            "reason": d.reason,
            "commitment": d.commitment,
            "seed_hex": d.seed_hex,
            "manifest_sha256": d.manifest_sha256,
            "ranking": d.ranking,
            "allocation": d.allocation,
            "drawn_at": d.drawn_at,
            "redrawn_at": d.redrawn_at,
        }
        for d in Draw.objects.filter(batch=batch).order_by("draw_round")
    ]
    return {
        "batch": batch.pk,
        "status": batch.status,
        "commitment": batch.commitment,
        "seed_hex": batch.seed_hex if drawn else None,
        "manifest": batch.manifest,
        "manifest_sha256": batch.manifest_sha256 or None,
        "ranking": batch.ranking if drawn else [],
        "allocation": batch.allocation if drawn else {},
        "waitlists": batch.waitlists if drawn else {},
        "units": [{"id": pk, "layout": layout} for pk, layout in units],
        "preferences": preferences,
        "draw_round": batch.draw_round,
        "drawn_at": batch.drawn_at,
        "redraws": len(previous),
        "previous_draws": previous,
    }


def offers_visible_to(user: Any) -> QuerySet[Offer]:
    """Staff: every offer; a talent: their own; anyone else: none."""
    if not getattr(user, "is_authenticated", False):
        return Offer.objects.none()
    if user.is_district_staff:
        return Offer.objects.all()
    return Offer.objects.filter(application__applicant__user=user)


def offers_list(user: Any) -> QuerySet[Offer]:
    return (
        offers_visible_to(user).select_related("application", "unit__building", "batch").order_by("-created_at", "-pk")
    )


def leases_visible_to(user: Any) -> QuerySet[Lease]:
    if not getattr(user, "is_authenticated", False):
        return Lease.objects.none()
    if user.is_district_staff:
        return Lease.objects.all()
    return Lease.objects.filter(tenant__user=user)


def leases_list(user: Any) -> QuerySet[Lease]:
    return (
        leases_visible_to(user)
        .select_related("unit__building", "tenant", "application")
        .prefetch_related("renewals")
        .order_by("-start", "-pk")
    )


def waitlist_excluded(batch: Batch) -> set[str]:
    """Who may no longer be offered a unit of the batch: anyone offered one in this draw (whatever
    they answered), an application no longer approved, and a talent who is a tenant already."""
    numbers = set(
        Offer.objects.filter(batch=batch, draw_round=batch.draw_round).values_list("application__number", flat=True)
    )
    entries = BatchEntry.objects.filter(batch=batch)
    numbers.update(entries.exclude(application__status=AppStatus.APPROVED).values_list("number", flat=True))
    numbers.update(
        entries.filter(application__applicant__apartment_leases__status=Lease.Status.CURRENT).values_list(
            "number", flat=True
        )
    )
    return numbers


def ahead_by_offer(offers: Iterable[Offer]) -> dict[int, int]:
    """For each offer: how many applicants ranked before it on its layout's waitlist are still waiting
    (no offer in the current draw). Two queries per page, whatever its size."""
    offers = list(offers)
    batch_ids = {o.batch_id for o in offers}
    if not batch_ids:
        return {}
    offered: dict[int, set[str]] = {}
    for batch_id, draw_round, number in Offer.objects.filter(batch_id__in=batch_ids).values_list(
        "batch_id", "draw_round", "application__number"
    ):
        offered.setdefault(batch_id, set()).add(f"{draw_round}:{number}")
    result = {}
    for offer in offers:
        batch = offer.batch
        waitlist = (batch.waitlists or {}).get(offer.unit.layout, [])
        rank_of = {n: i for i, n in enumerate(batch.ranking or [])}
        mine = offer.rank - 1
        taken = offered.get(batch.pk, set())
        result[offer.pk] = sum(
            1 for n in waitlist if rank_of.get(n, 10**9) < mine and f"{batch.draw_round}:{n}" not in taken
        )
    return result


def waiting_for(user: Any) -> list[dict[str, Any]]:
    """The talent's places on waitlists of drawn batches where they have no offer: batch, layout,
    rank and how many still wait ahead."""
    entries = list(
        BatchEntry.objects.filter(application__applicant__user=user, batch__status=Batch.Status.DRAWN)
        .select_related("batch", "application")
        .order_by("-batch_id")
    )
    found = []
    for entry in entries:
        batch = entry.batch
        if Offer.objects.filter(batch=batch, draw_round=batch.draw_round, application=entry.application).exists():
            continue
        excluded = waitlist_excluded(batch)
        if entry.number in excluded:
            continue
        for layout in entry.layouts:
            waitlist = (batch.waitlists or {}).get(layout, [])
            if entry.number not in waitlist:
                continue
            ahead = 0
            for n in waitlist:
                if n == entry.number:
                    break
                if n not in excluded:
                    ahead += 1
            found.append({"batch": batch, "layout": layout, "rank": entry.rank, "ahead": ahead})
    return found


def occupancy(today: dt.date | None = None) -> dict[str, Any]:
    """Units by status and layout, and how long tenants waited (submission to lease start)."""
    today = today or timezone.localdate()
    by_status = {s: 0 for s in Unit.Status.values}
    for status, n in Unit.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"):
        by_status[status] = n
    by_layout: dict[str, dict[str, int]] = {}
    for layout, status, n in (
        Unit.objects.values_list("layout", "status").annotate(n=Count("pk")).values_list("layout", "status", "n")
    ):
        by_layout.setdefault(layout, {s: 0 for s in Unit.Status.values})[status] = n
    total = sum(by_status.values())
    waited = Lease.objects.filter(application__submitted_at__isnull=False).aggregate(
        avg=Avg(ExpressionWrapper(F("created_at") - F("application__submitted_at"), output_field=DurationField()))
    )["avg"]
    return {
        "units_total": total,
        "units_by_status": by_status,
        "units_by_layout": [{"layout": k, **v} for k, v in sorted(by_layout.items())],
        "occupancy_percent": round(100 * by_status["occupied"] / total, 1) if total else 0.0,
        "leases_current": Lease.objects.filter(status=Lease.Status.CURRENT).count(),
        "leases_expiring_60_days": Lease.objects.filter(
            status=Lease.Status.CURRENT, end__lte=today + dt.timedelta(days=60)
        ).count(),
        "offers_pending": Offer.objects.filter(status=Offer.Status.PENDING).count(),
        "average_wait_days": round(waited.total_seconds() / 86400, 1) if waited is not None else None,
    }


def overview_figures() -> dict[str, Any]:
    """For ``/api/v1/stats/overview/``: units by status and the share let, in one query (an occupied
    unit is one current lease: the constraints hold it). The average wait is on ``occupancy``."""
    by_status = {s: 0 for s in Unit.Status.values}
    for status, n in Unit.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"):
        by_status[status] = n
    total = sum(by_status.values())
    return {
        "units_total": total,
        "units_by_status": by_status,
        "occupancy_percent": round(100 * by_status["occupied"] / total, 1) if total else 0.0,
    }
