from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from apps.core.exceptions import Conflict, NotFound, ValidationFailed
from apps.core.identifiers import IdentifierError, credit_code_validate

from .lock_objects import quota_qs_select_for_update
from .models import Enterprise, EnterpriseMember, KeyEnterpriseListing, Quota, QuotaMovement


def _quota_locked(*, enterprise_id: int, kind: str, year: int) -> Quota:
    quota = quota_qs_select_for_update().filter(enterprise_id=enterprise_id, kind=kind, year=year).first()
    if quota is None:
        kind_label = Quota.Kind(kind).label if kind in Quota.Kind.values else kind
        raise Conflict(gettext("该企业没有%(year)s年度的%(kind)s") % {"year": year, "kind": kind_label})
    return quota


@transaction.atomic
def quota_consume(
    *, enterprise_id: int, kind: str, year: int, actor: Any = None, reference: str = "", note: str = ""
) -> Quota:
    """Spend one slot. The row is locked so concurrent calls queue; the last slot goes to one of
    them and the others get Conflict (409). The database refuses ``used > total`` as a backstop."""
    quota = _quota_locked(enterprise_id=enterprise_id, kind=kind, year=year)
    if quota.used >= quota.total:
        counts = {"kind": quota.get_kind_display(), "year": year, "used": quota.used, "total": quota.total}
        raise Conflict(gettext("%(year)s年度%(kind)s已用完（%(used)s/%(total)s）") % counts)
    Quota.objects.filter(pk=quota.pk).update(used=F("used") + 1)
    QuotaMovement.objects.create(quota=quota, delta=1, reference=reference, actor=actor, note=note)
    quota.refresh_from_db(fields=["used"])
    return quota


@transaction.atomic
def quota_release(
    *, enterprise_id: int, kind: str, year: int, actor: Any = None, reference: str = "", note: str = ""
) -> Quota:
    """Give one slot back (a cancelled registration, a declined place)."""
    quota = _quota_locked(enterprise_id=enterprise_id, kind=kind, year=year)
    if quota.used <= 0:
        raise Conflict(gettext("该指标没有已使用的名额，无可退回"))
    Quota.objects.filter(pk=quota.pk).update(used=F("used") - 1)
    QuotaMovement.objects.create(quota=quota, delta=-1, reference=reference, actor=actor, note=note)
    quota.refresh_from_db(fields=["used"])
    return quota


@transaction.atomic
def quota_set_total(*, enterprise_id: int, kind: str, year: int, total: int, actor: Any = None) -> Quota:
    """Create or resize a quota; it may not shrink below what is already used."""
    if total < 0:
        raise ValidationFailed({"total": [gettext("不能小于 %(minimum)s") % {"minimum": 0}]})
    quota = quota_qs_select_for_update().filter(enterprise_id=enterprise_id, kind=kind, year=year).first()
    if quota is None:
        if not Enterprise.objects.filter(pk=enterprise_id).exists():
            raise NotFound(gettext("没有该企业"))
        return Quota.objects.create(enterprise_id=enterprise_id, kind=kind, year=year, total=total)
    if total < quota.used:
        raise Conflict(gettext("不能小于已使用的 %(used)d 个") % {"used": quota.used})
    quota.total = total
    quota.save(update_fields=["total", "updated_at"])
    return quota


@transaction.atomic
def enterprise_create(
    *,
    name: str,
    credit_code: str,
    industry: str = "",
    zone: str = "",
    kind: str = Enterprise.Kind.COMPANY,
    is_national: bool = False,
    floor_area_m2: Any = 0,
    graduated_firms: int = 0,
) -> Enterprise:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [gettext("必填")]
    try:
        credit_code = credit_code_validate(credit_code)
    except IdentifierError as exc:
        errors["credit_code"] = [str(exc)]
    else:
        if Enterprise.objects.filter(credit_code=credit_code).exists():
            errors["credit_code"] = [gettext("该统一社会信用代码已存在")]
    if kind not in Enterprise.Kind.values:
        errors["kind"] = [gettext("应为以下之一：%(options)s") % {"options": ", ".join(Enterprise.Kind.values)}]
    if errors:
        raise ValidationFailed(errors)
    return Enterprise.objects.create(
        name=name.strip(),
        credit_code=credit_code,
        industry=industry,
        zone=zone,
        kind=kind,
        is_national=is_national,
        floor_area_m2=floor_area_m2,
        graduated_firms=graduated_firms,
    )


@transaction.atomic
def enterprise_member_set(*, user: Any, enterprise: Enterprise, title: str = "") -> EnterpriseMember:
    """Make ``user`` an HR member of ``enterprise`` (one enterprise per HR account)."""
    member, _ = EnterpriseMember.objects.update_or_create(
        user=user, defaults={"enterprise": enterprise, "title": title}
    )
    return member


@transaction.atomic
def key_listing_set(
    *, enterprise: Enterprise, year: int, service_officer: Any = None, note: str = ""
) -> KeyEnterpriseListing:
    listing, _ = KeyEnterpriseListing.objects.update_or_create(
        enterprise=enterprise, year=year, defaults={"service_officer": service_officer, "note": note}
    )
    return listing
