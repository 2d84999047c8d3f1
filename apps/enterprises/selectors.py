from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.accounts import access
from apps.core.identifiers import credit_code_normalize

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
    """Staff see every enterprise; HR only its own; anyone else (a talent, say) none."""
    qs = Enterprise.objects.all()
    reach = access.scope(user, access.ENTERPRISES)
    if reach is access.ALL:
        return qs
    if reach is not access.ENTERPRISE:
        return qs.none()
    enterprise = enterprise_for_user(user)
    return qs.filter(pk=enterprise.pk) if enterprise else qs.none()


def quotas_for_enterprise(*, enterprise_id: int) -> QuerySet[Quota]:
    return Quota.objects.filter(enterprise_id=enterprise_id).order_by("-year", "kind")


def enterprises_with_key_flag(qs: QuerySet[Enterprise], *, year: int | None = None) -> QuerySet[Enterprise]:
    """Annotate ``is_key_enterprise``: on the key-enterprise list of ``year`` (default: this year)."""
    year = year or timezone.localdate().year
    listed = KeyEnterpriseListing.objects.filter(enterprise=OuterRef("pk"), year=year)
    return qs.annotate(is_key_enterprise=Exists(listed))


def enterprises_filter(
    qs: QuerySet[Enterprise], *, key_year: int | None = None, search: str | None = None
) -> QuerySet[Enterprise]:
    if key_year is not None:
        qs = qs.filter(key_listings__year=key_year)  # one listing per (enterprise, year): no repeats
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(credit_code=credit_code_normalize(search)))
    return qs
