"""Reads of talent records, with the joins and prefetches the API needs (a fixed number of queries
whatever the page size)."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.accounts import roles
from apps.core import crypto
from apps.core.identifiers import IdentifierError, phone_validate, resident_id_parse

from .models import Talent, TalentCategoryHolding


def _with_relations(qs: QuerySet[Talent]) -> QuerySet[Talent]:
    holdings = TalentCategoryHolding.objects.select_related("category").order_by("category__level", "id")
    return qs.select_related("employer").prefetch_related(Prefetch("holdings", queryset=holdings))


def talent_for_user(user: Any) -> Talent | None:
    """The profile the account owns (claimed or created), with its categories, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _with_relations(Talent.objects.filter(user=user)).first()


def talents_visible_to(user: Any) -> QuerySet[Talent]:
    """District staff see every record; an HR user the records of its enterprise's employees; a
    talent only its own record; anyone else none."""
    qs = _with_relations(Talent.objects.all()).order_by("id")
    if getattr(user, "is_district_staff", False):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    visible: list[Q] = []
    if user.has_role(roles.ENTERPRISE_HR):
        from apps.enterprises.selectors import enterprise_for_user

        enterprise = enterprise_for_user(user)
        if enterprise is not None:
            visible.append(Q(employer=enterprise))
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


def can_view_personal_data(user: Any) -> bool:
    """Full resident IDs and phones: district staff holding ``accounts.view_personal_data``."""
    return bool(getattr(user, "is_district_staff", False) and user.has_perm("accounts.view_personal_data"))


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
