"""Reads of talent records, with the joins and prefetches the API needs (a fixed number of queries
whatever the page size)."""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterable
from functools import reduce
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from apps.accounts import access, roles
from apps.core import crypto
from apps.core.identifiers import IdentifierError, phone_validate, resident_id_parse

from .models import Talent, TalentCategory, TalentCategoryHolding


def _with_relations(qs: QuerySet[Talent]) -> QuerySet[Talent]:
    holdings = TalentCategoryHolding.objects.select_related("category").order_by("category__level", "id")
    return qs.select_related("employer").prefetch_related(Prefetch("holdings", queryset=holdings))


def talent_for_user(user: Any) -> Talent | None:
    """The profile the account owns (claimed or created), with its categories, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _with_relations(Talent.objects.filter(user=user)).first()


def talents_visible_to(user: Any) -> QuerySet[Talent]:
    """District staff see every record; an HR user the records of its enterprise's employees — those
    whose employment it confirmed, never a talent's unconfirmed claim; a talent only its own record;
    anyone else none."""
    qs = _with_relations(Talent.objects.all()).order_by("id")
    if access.sees_all(user, access.TALENTS):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    visible: list[Q] = []
    if user.has_role(roles.ENTERPRISE_HR):
        from apps.enterprises.selectors import enterprise_for_user

        enterprise = enterprise_for_user(user)
        if enterprise is not None:
            visible.append(Q(employer=enterprise, employment_status=Talent.EmploymentStatus.CONFIRMED))
    if user.has_role(roles.TALENT):
        visible.append(Q(user=user))
    if not visible:
        return qs.none()
    return qs.filter(reduce(operator.or_, visible))


def talents_search(qs: QuerySet[Talent], term: str) -> QuerySet[Talent]:
    """By name (contains); a full resident ID or mobile number matches through its keyed hash,
    since the numbers themselves are only stored encrypted."""
    term = (term or "").strip()
    if not term:
        return qs
    condition = Q(name__icontains=term)
    try:
        condition |= Q(id_number_hash=crypto.pii_hash(resident_id_parse(term).number))
    except IdentifierError:
        pass
    try:
        condition |= Q(phone_hash=crypto.pii_hash(phone_validate(term)))
    except IdentifierError:
        pass
    return qs.filter(condition)


def talents_filter(
    qs: QuerySet[Talent], *, category: str | None = None, employer: int | None = None, search: str | None = None
) -> QuerySet[Talent]:
    if category:
        # One holding per (talent, category): the join cannot repeat a talent.
        qs = qs.filter(holdings__category__code=category)
    if employer is not None:
        qs = qs.filter(employer_id=employer)
    if search:
        qs = talents_search(qs, search)
    return qs


def employment_claims_pending(*, enterprise_id: int) -> QuerySet[Talent]:
    """Talents who say they work at the enterprise, not confirmed yet, longest waiting first: only
    what HR needs to recognise the person (name, resident ID to mask, since when), no relations."""
    return (
        Talent.objects.filter(employer_id=enterprise_id, employment_status=Talent.EmploymentStatus.CLAIMED)
        .only("id", "name", "id_number", "employer_id", "employment_status", "employment_claimed_at")
        .order_by("employment_claimed_at", "id")
    )


def can_view_personal_data(user: Any) -> bool:
    """Full resident IDs and phones: district staff holding ``accounts.view_personal_data``."""
    return access.may_see_identifiers(user)


def holding_evidence(*, talent: Talent | None, category_code: str) -> TalentCategoryHolding | None:
    """The talent's holding of that category if it has an evidence file, else None."""
    if talent is None:
        return None
    holding = (
        TalentCategoryHolding.objects.select_related("category")
        .filter(talent=talent, category__code=category_code)
        .first()
    )
    return holding if holding is not None and holding.evidence else None


# --- Verified categories -------------------------------------------------------------------------
# A category a talent declares is a claim until staff verify its evidence. Eligibility (pre-check
# and approval), card classes, queue priority and every programme's allocation read holdings
# through these functions only, never ``talent.holdings`` directly.


def holdings_verified(qs: QuerySet[TalentCategoryHolding] | None = None) -> QuerySet[TalentCategoryHolding]:
    """The holdings (of ``qs``, else all) staff verified."""
    return (TalentCategoryHolding.objects.all() if qs is None else qs).filter(verified=True)


def verified_category_codes(talent: Talent | int) -> set[str]:
    """The codes of the categories staff verified for the talent: what counts for any decision."""
    return set(holdings_verified().filter(talent=talent).values_list("category__code", flat=True))


def talents_with_verified_category(qs: QuerySet[Talent], codes: Collection[str]) -> QuerySet[Talent]:
    """The talents of ``qs`` holding a verified category among ``codes`` (batch eligibility, e.g. a
    programme's or a batch's eligible categories); each talent once."""
    held = holdings_verified().filter(talent=OuterRef("pk"), category__code__in=list(codes))
    return qs.filter(Exists(held))


def unverified_categories_that_would_count(
    talent: Talent | int, groups: Iterable[Collection[str]]
) -> list[TalentCategory]:
    """What the talent is waiting on: for each group of category codes a decision reads (a service's
    eligible categories, the green card's A categories) that no verified holding meets, the held
    but unverified categories that would meet it. In category order, each once; one query (none
    when every group is empty)."""
    counted = [set(group) for group in groups if group]
    if not counted:
        return []
    holdings = list(
        TalentCategoryHolding.objects.filter(talent=talent)
        .select_related("category")
        .order_by("category__level", "category__sort_order", "category__code")
    )
    verified = {h.category.code for h in holdings if h.verified}
    wanted: set[str] = set()
    for codes in counted:
        if not codes & verified:
            wanted |= codes
    return [h.category for h in holdings if not h.verified and h.category.code in wanted]


def holdings_for_review(talent: Talent | int) -> list[TalentCategoryHolding]:
    """Every category the talent holds, verified or not, with who verified it and that person's roles
    (the staff application page): a fixed number of queries however many are held."""
    return list(
        TalentCategoryHolding.objects.filter(talent=talent)
        .select_related("category", "verified_by")
        .prefetch_related("verified_by__groups")
        .order_by("category__level", "category__sort_order", "category__code")
    )


def can_verify_holdings(user: Any) -> bool:
    """Who may verify (or un-verify) a talent's categories: reviewers, and district staff holding
    ``talents.change_talentcategoryholding``."""
    if not getattr(user, "is_district_staff", False):
        return False
    return user.has_role(roles.REVIEWER) or user.has_perm("talents.change_talentcategoryholding")
