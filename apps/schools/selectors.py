"""Reads of school places, with their joins (a fixed number of queries per page), and the figures."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet, Sum

from apps.accounts import access
from apps.enterprises.models import Quota
from apps.enterprises.selectors import enterprise_for_user

from .models import Nomination, Round, RoundSeat, School


def schools_active() -> QuerySet[School]:
    return School.objects.filter(active=True).order_by("stage", "name", "id")


def rounds_visible_to(user: Any) -> QuerySet[Round]:
    """HR and district staff see every round (they are published); anyone else none."""
    seats = RoundSeat.objects.select_related("school").order_by("school__stage", "school__name", "id")
    qs = Round.objects.prefetch_related(Prefetch("seats", queryset=seats)).order_by("-year", "-id")
    return qs if access.may_list(user, access.ENTERPRISES) else qs.none()


def nominations_visible_to(user: Any) -> QuerySet[Nomination]:
    """District staff: every nomination; HR: its enterprise's; anyone else none."""
    qs = Nomination.objects.select_related("round", "talent", "enterprise", "assigned_school").order_by("-id")
    reach = access.scope(user, access.ENTERPRISES)
    if reach is access.ALL:
        return qs
    if reach is access.ENTERPRISE:
        enterprise = enterprise_for_user(user)
        return qs.filter(enterprise=enterprise) if enterprise is not None else qs.none()
    return qs.none()


def nominations_of_talent(talent: Any) -> QuerySet[Nomination]:
    """What a parent sees of their children's nominations (``/my/``)."""
    if talent is None:
        return Nomination.objects.none()
    return (
        Nomination.objects.filter(talent=talent)
        .exclude(status=Nomination.Status.WITHDRAWN)
        .select_related("round", "assigned_school", "enterprise")
        .order_by("-id")
    )


def seats_left(round_: Round) -> dict[int, int]:
    """{school id: seats not assigned} of a round: what a following round may offer."""
    return {
        school_id: capacity - assigned
        for school_id, capacity, assigned in RoundSeat.objects.filter(round=round_).values_list(
            "school_id", "capacity", "assigned"
        )
    }


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def round_figures(round_: Round, *, enterprise_id: int | None = None) -> dict[str, Any]:
    """Share assigned to the first choice, to the top 3, unassigned (of those in the run); seats left
    per school; the ``school_place`` quota of the round's year used per enterprise (only the caller's
    own for HR: ``enterprise_id``)."""
    ran = list(
        Nomination.objects.filter(
            round=round_, status__in=[Nomination.Status.ASSIGNED, Nomination.Status.UNASSIGNED]
        ).values_list("assigned_school_id", "preferences")
    )
    first = top3 = unassigned = 0
    for school_id, preferences in ran:
        if school_id is None:
            unassigned += 1
            continue
        rank = preferences.index(school_id) if school_id in preferences else len(preferences)
        first += rank == 0
        top3 += rank < 3
    seats = RoundSeat.objects.filter(round=round_).select_related("school").order_by("school__stage", "school__name")
    quotas = Quota.objects.filter(kind=Quota.Kind.SCHOOL_PLACE, year=round_.year).select_related("enterprise")
    if enterprise_id is not None:
        quotas = quotas.filter(enterprise_id=enterprise_id)
    by_status = dict(
        Nomination.objects.filter(round=round_).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {
        "participants": len(ran),
        "nominations": by_status,
        "first_choice_share": _share(first, len(ran)),
        "top3_share": _share(top3, len(ran)),
        "unassigned_share": _share(unassigned, len(ran)),
        "seats_left": [
            {"school": s.school_id, "name": s.school.name, "capacity": s.capacity, "left": s.left} for s in seats
        ],
        "quota_used": [
            {"enterprise": q.enterprise_id, "name": q.enterprise.name, "total": q.total, "used": q.used}
            for q in quotas.order_by("enterprise__name", "enterprise_id")
        ],
    }


def overview_figures(*, year: int) -> dict[str, Any]:
    """The district figures' ``schools`` block (``/api/v1/stats/overview/``): this year's places and the
    results of this year's runs. Two queries."""
    quota = Quota.objects.filter(kind=Quota.Kind.SCHOOL_PLACE, year=year).aggregate(
        total=Sum("total"), used=Sum("used"), enterprises=Count("id")
    )
    rows = Nomination.objects.filter(round__year=year).values_list("status", "assigned_school_id", "preferences")
    nominations = assigned = unassigned = first = top3 = 0
    for status, school_id, preferences in rows:
        if status == Nomination.Status.WITHDRAWN:
            continue
        nominations += 1
        if status == Nomination.Status.UNASSIGNED:
            unassigned += 1
        elif status == Nomination.Status.ASSIGNED and school_id is not None:
            assigned += 1
            rank = preferences.index(school_id) if school_id in preferences else len(preferences)
            first += rank == 0
            top3 += rank < 3
    ran = assigned + unassigned
    return {
        "year": year,
        "quota_enterprises": quota["enterprises"] or 0,
        "quota_total": quota["total"] or 0,
        "quota_used": quota["used"] or 0,
        "nominations": nominations,
        "assigned": assigned,
        "unassigned": unassigned,
        "first_choice_share": _share(first, ran),
        "top3_share": _share(top3, ran),
        "unassigned_share": _share(unassigned, ran),
    }


def assignment_record(round_: Round) -> dict[str, Any]:
    """Everything needed to recheck a run: the seed (after the run), its commitment, the schools with
    their capacity, the students (number, priority, preferences) and the assignment."""
    schools = [
        {"id": school_id, "capacity": capacity}
        for school_id, capacity in RoundSeat.objects.filter(round=round_)
        .order_by("school_id")
        .values_list("school_id", "capacity")
    ]
    students: list[dict[str, Any]] = []
    assignment: dict[str, int | None] = {}
    if round_.is_run:
        rows = (
            Nomination.objects.filter(
                round=round_, status__in=[Nomination.Status.ASSIGNED, Nomination.Status.UNASSIGNED]
            )
            .order_by("number")
            .values_list("number", "priority", "preferences", "assigned_school_id")
        )
        for number, priority, preferences, school_id in rows:
            students.append({"number": number, "priority": priority or 0, "preferences": list(preferences)})
            assignment[number] = school_id
    return {
        "round": round_.pk,
        "seed_hex": round_.published_seed,
        "commitment": round_.commitment,
        "schools": schools,
        "students": students,
        "assignment": assignment,
    }
