from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Enterprise, KeyEnterpriseListing, Quota


def enterprise_for_user(user: Any) -> Enterprise | None:
    """The enterprise an HR user belongs to, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "_enterprise_membership_cache", None)
    if membership is None:
        from .models import EnterpriseMember

        membership = EnterpriseMember.objects.select_related("enterprise").filter(user=user).first()
        user._enterprise_membership_cache = membership or False
    return membership.enterprise if membership else None


def enterprise_is_key(*, enterprise_id: int, year: int) -> bool:
    return KeyEnterpriseListing.objects.filter(enterprise_id=enterprise_id, year=year).exists()


def enterprises_visible_to(user: Any) -> QuerySet[Enterprise]:
    """Staff see every enterprise; HR only its own; anyone else none."""
    qs = Enterprise.objects.all()
    if getattr(user, "is_district_staff", False):
        return qs
    enterprise = enterprise_for_user(user)
    return qs.filter(pk=enterprise.pk) if enterprise else qs.none()


def quotas_for_enterprise(*, enterprise_id: int) -> QuerySet[Quota]:
    return Quota.objects.filter(enterprise_id=enterprise_id).order_by("-year", "kind")
