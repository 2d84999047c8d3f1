"""Every write of the apartments app, each in one transaction under row locks.

Lock order, everywhere, so two writers never wait on each other in a circle: the batch, then the
offer, then the lease, then the units (ascending id). The database constraints in ``models`` are the
last word: a unit never has two live offers or two current leases, whatever happens here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts import roles
from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed
from apps.core.workdays import add_working_days
from apps.enterprises.models import KeyEnterpriseListing
from apps.talents.models import Talent, TalentCategory
from apps.talents.selectors import holdings_verified
from apps.workflow.models import Application
from apps.workflow.states import Status as AppStatus

from . import lottery, selectors
from .models import Batch, BatchEntry, BatchUnit, Draw, Layout, Lease, Offer, RenewalRequest, Unit

logger = logging.getLogger(__name__)

SERVICE_CODE = "apartment"
MAX_POINTS = 1000
POINTS_KEYS = frozenset({"category_levels", "key_enterprise", "per_year_in_district", "max_years"})


def offer_response_days() -> int:
    return int(getattr(settings, "APARTMENTS_OFFER_RESPONSE_DAYS", 3))


def lease_term_months() -> int:
    return int(getattr(settings, "APARTMENTS_LEASE_TERM_MONTHS", 12))


def lease_max_months() -> int:
    return int(getattr(settings, "APARTMENTS_LEASE_MAX_MONTHS", 36))


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# --- who may ------------------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_role(roles.DISTRICT_ADMIN):
        raise NotPermitted(gettext("只有区人社局管理员可以管理配租批次"))


def _require_staff(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_district_staff:
        raise NotPermitted(gettext("只有区人社局工作人员可以办理"))


# --- locks (one place) ------------------------------------------------------------------------


def _lock_batch(batch_id: int) -> Batch:
    batch = Batch.objects.select_for_update(of=("self",)).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(gettext("没有该配租批次"))
    return batch


def _lock_units(unit_ids: Iterable[int]) -> dict[int, Unit]:
    ids = sorted(set(unit_ids))
    return {u.pk: u for u in Unit.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")}


# --- batches ------------------------------------------------------------------------------------


def points_rule_clean(rule: Any) -> dict[str, Any]:
    """The published points rule: integer points per category level (1 = highest), for a confirmed
    key-enterprise employer, and per whole year of confirmed employment in the district (capped)."""
    if rule in (None, ""):
        return {}
    if not isinstance(rule, dict):
        raise ValidationFailed({"points_rule": [gettext("积分规则须为JSON对象")]})
    unknown = sorted(str(k) for k in rule if k not in POINTS_KEYS)
    if unknown:
        raise ValidationFailed(
            {"points_rule": [gettext("积分规则不认识的项目：%(keys)s") % {"keys": ", ".join(unknown)}]}
        )

    def points(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_POINTS

    levels = rule.get("category_levels", {})
    if not isinstance(levels, dict) or not all(str(k).isdigit() and points(v) for k, v in levels.items()):
        raise ValidationFailed({"points_rule": [gettext("category_levels 须为 {层级: 0–1000 的整数分}")]})
    for key in ("key_enterprise", "per_year_in_district", "max_years"):
        if key in rule and not points(rule[key]):
            raise ValidationFailed({"points_rule": [gettext("%(key)s 须为 0–1000 的整数") % {"key": key}]})
    cleaned: dict[str, Any] = {
        "category_levels": {str(int(k)): v for k, v in sorted(levels.items(), key=lambda i: int(i[0]))}
    }
    for key in ("key_enterprise", "per_year_in_district", "max_years"):
        cleaned[key] = rule.get(key, 0)
    return cleaned


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed({field: [gettext("日期格式应为 YYYY-MM-DD")]})


@transaction.atomic
def batch_create(
    *,
    actor: Any,
    name: Any,
    opens_on: Any,
    closes_on: Any,
    units: Any,
    eligible_categories: Any = None,
    points_rule: Any = None,
) -> Batch:
    """Release units in a new batch. Each unit must be available (409 naming it) and becomes reserved;
    the secret seed is drawn now and only its commitment published."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors["name"] = [gettext("请填写批次名称（不超过100字）")]
    start = end = None
    try:
        start = _date(opens_on, "opens_on")
    except ValidationFailed as exc:
        errors.update(exc.messages_by_field())
    try:
        end = _date(closes_on, "closes_on")
    except ValidationFailed as exc:
        errors.update(exc.messages_by_field())
    if start and end and end < start:
        errors["closes_on"] = [gettext("截止日期不能早于开始日期")]
    if (
        not isinstance(units, list)
        or not units
        or not all(isinstance(u, int) and not isinstance(u, bool) for u in units)
        or len(units) > 10000
    ):
        errors["units"] = [gettext("请列出纳入本批次的房源编号（整数）")]
    elif len(set(units)) != len(units):
        errors["units"] = [gettext("房源重复")]
    codes = eligible_categories if eligible_categories is not None else []
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors["eligible_categories"] = [gettext("请列出人才类别代码")]
    else:
        known = set(TalentCategory.objects.filter(code__in=codes).values_list("code", flat=True))
        if unknown := sorted(set(codes) - known):
            errors["eligible_categories"] = [gettext("没有这些人才类别：%(codes)s") % {"codes": ", ".join(unknown)}]
    try:
        rule = points_rule_clean(points_rule)
    except ValidationFailed as exc:
        errors.update(exc.messages_by_field())
    if errors:
        raise ValidationFailed(errors)
    locked = _lock_units(units)
    if missing := sorted(set(units) - set(locked)):
        raise ValidationFailed({"units": [gettext("没有这些房源：%(ids)s") % {"ids": ", ".join(map(str, missing))}]})
    busy = [u for u in locked.values() if u.status != Unit.Status.AVAILABLE]
    if busy:
        raise Conflict(
            {
                "units": [
                    gettext("房源 %(id)s（%(unit)s）当前状态为「%(status)s」，不能纳入新批次")
                    % {"id": u.pk, "unit": str(u), "status": u.get_status_display()}
                    for u in busy
                ]
            }
        )
    seed = lottery.new_seed()
    batch = Batch.objects.create(
        name=name.strip(),
        opens_on=start,
        closes_on=end,
        eligible_categories=sorted(set(codes)),
        points_rule=rule,
        seed_hex=seed,
        commitment=lottery.commitment(seed),
        created_by=actor,
    )
    BatchUnit.objects.bulk_create([BatchUnit(batch=batch, unit_id=pk) for pk in sorted(locked)])
    Unit.objects.filter(pk__in=list(locked)).update(status=Unit.Status.RESERVED, updated_at=timezone.now())
    return batch


def pool(batch: Batch) -> QuerySet[Application]:
    """The batch's approved applications: who is in the draw."""
    return Application.objects.filter(service__code=SERVICE_CODE, status=AppStatus.APPROVED, data__batch=batch.pk)


def scores_for(batch: Batch, applications: list[Application], *, today: dt.date | None = None) -> dict[int, int]:
    """Each application's integer score from the batch's points rule, on verified facts only: verified
    categories, a confirmed employer (on this year's key-enterprise list), years since the employment
    was confirmed."""
    today = today or timezone.localdate()
    rule = batch.points_rule or {}
    levels = {int(k): v for k, v in (rule.get("category_levels") or {}).items()}
    talent_ids = {a.applicant_id for a in applications}
    best: dict[int, int] = {}
    for talent_id, level in (
        holdings_verified().filter(talent_id__in=talent_ids).values_list("talent_id", "category__level")
    ):
        best[talent_id] = max(best.get(talent_id, 0), levels.get(level, 0))
    talents = {
        t["pk"]: t
        for t in Talent.objects.filter(pk__in=talent_ids).values(
            "pk", "employer_id", "employment_status", "employment_confirmed_at"
        )
    }
    key = set(KeyEnterpriseListing.objects.filter(year=today.year).values_list("enterprise_id", flat=True))
    scores = {}
    for application in applications:
        talent = talents[application.applicant_id]
        score = best.get(application.applicant_id, 0)
        confirmed = talent["employer_id"] and talent["employment_status"] == Talent.EmploymentStatus.CONFIRMED
        if confirmed:
            if talent["employer_id"] in key:
                score += rule.get("key_enterprise", 0)
            since = talent["employment_confirmed_at"]
            if since is not None:
                years = max(0, (today - timezone.localtime(since).date()).days // 365)
                score += min(years, rule.get("max_years", 0)) * rule.get("per_year_in_district", 0)
        scores[application.pk] = int(score)
    return scores


@transaction.atomic
def batch_freeze(*, batch_id: int, actor: Any) -> Batch:
    """Close the batch: its pool is the approved applications, each scored by the published rule; the
    manifest and its hash are published."""
    _require_admin(actor)
    batch = _lock_batch(batch_id)
    if batch.status != Batch.Status.OPEN:
        raise Conflict(gettext("批次已封存，不能再次封存"))
    applications = list(pool(batch).select_for_update(of=("self",)).order_by("pk"))
    scores = scores_for(batch, applications)
    entries = [
        BatchEntry(
            batch=batch,
            application=a,
            number=a.number or "",
            score=scores[a.pk],
            layouts=list(dict.fromkeys(a.data.get("layouts") or [])),
        )
        for a in applications
    ]
    BatchEntry.objects.bulk_create(entries)
    batch.manifest = lottery.build_manifest({e.number: e.score for e in entries})
    batch.manifest_sha256 = lottery.manifest_sha256(batch.manifest)
    batch.status = Batch.Status.FROZEN
    batch.frozen_at = timezone.now()
    batch.save(update_fields=["manifest", "manifest_sha256", "status", "frozen_at", "updated_at"])
    return batch


def _respond_by(today: dt.date) -> dt.date:
    return add_working_days(today, offer_response_days())


def _make_offer(batch: Batch, entry: BatchEntry, unit: Unit, today: dt.date) -> Offer:
    try:
        with transaction.atomic():
            offer = Offer.objects.create(
                batch=batch,
                draw_round=batch.draw_round,
                application_id=entry.application_id,
                unit=unit,
                rank=entry.rank or 0,
                respond_by=_respond_by(today),
            )
    except IntegrityError:
        raise Conflict(gettext("该房源或申请已有有效的配租通知"))
    unit.status = Unit.Status.OFFERED
    unit.save(update_fields=["status", "updated_at"])
    offer_id = offer.pk
    transaction.on_commit(lambda: _notify_offer(offer_id), robust=True)
    return offer


def _notify_offer(offer_id: int, *, kind: str = "apartment.offer") -> None:
    from apps.notifications.services import notify

    offer = Offer.objects.select_related("application__applicant__user", "unit__building", "batch").get(pk=offer_id)
    user = offer.application.applicant.user
    if user is None or not user.is_active:
        return
    notify(
        kind=kind,
        recipient=user,
        event_key=f"apartment-offer:{offer.pk}:{kind}",
        context={
            "batch": offer.batch.name,
            "unit": str(offer.unit),
            "layout": offer.unit.get_layout_display(),
            "rent": offer.unit.rent,
            "respond_by": offer.respond_by,
            "number": offer.application.number,
        },
        link="/my/offers/",
    )


@transaction.atomic
def batch_draw(*, batch_id: int, actor: Any, today: dt.date | None = None) -> Batch:
    """Reveal the seed, rank the manifest, allocate (serial dictatorship) and make the offers. The
    batch row lock makes two admins drawing at once draw once: the second finds it drawn (409)."""
    _require_admin(actor)
    today = today or timezone.localdate()
    batch = _lock_batch(batch_id)
    if batch.status == Batch.Status.DRAWN:
        raise Conflict(gettext("本批次已摇号"))
    if batch.status != Batch.Status.FROZEN:
        raise Conflict(gettext("请先封存批次并公布摇号名单"))
    entries = {e.number: e for e in BatchEntry.objects.filter(batch=batch)}
    ranking = lottery.rank(batch.manifest, batch.seed_hex)
    unit_layouts = dict(BatchUnit.objects.filter(batch=batch).values_list("unit_id", "unit__layout"))
    units = _lock_units(unit_layouts)
    allocation, waitlists = lottery.allocate(ranking, {n: e.layouts for n, e in entries.items()}, unit_layouts)
    batch.ranking, batch.allocation, batch.waitlists = ranking, {n: allocation[n] for n in ranking}, waitlists
    batch.draw_round += 1
    batch.status = Batch.Status.DRAWN
    batch.drawn_at = timezone.now()
    batch.drawn_by = actor
    batch.save()
    for position, number in enumerate(ranking, start=1):
        entries[number].rank = position
    BatchEntry.objects.bulk_update(list(entries.values()), ["rank"])
    for number in ranking:
        unit_id = allocation[number]
        if unit_id is not None:
            _make_offer(batch, entries[number], units[unit_id], today)
    # Units nobody wanted: everyone who wanted their layout got one, so no waitlist will ever need them.
    given = {u for u in allocation.values() if u is not None}
    Unit.objects.filter(pk__in=[pk for pk in units if pk not in given], status=Unit.Status.RESERVED).update(
        status=Unit.Status.AVAILABLE, updated_at=timezone.now()
    )
    return batch


@transaction.atomic
def batch_redraw(*, batch_id: int, actor: Any, reason: Any) -> Batch:
    """Set a draw aside (district admin, with a reason): the old draw stays public, pending offers are
    voided, a new seed is committed and the batch is frozen again, to be drawn anew. Refused once an
    offer of the draw was accepted (a tenancy stands on it)."""
    _require_admin(actor)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed({"reason": [gettext("请说明重新摇号的原因")]})
    if len(reason) > 2000:
        raise ValidationFailed({"reason": [gettext("原因不超过2000字")]})
    batch = _lock_batch(batch_id)
    if batch.status != Batch.Status.DRAWN:
        raise Conflict(gettext("本批次尚未摇号"))
    offers = list(
        Offer.objects.select_for_update(of=("self",)).filter(batch=batch, draw_round=batch.draw_round).order_by("pk")
    )
    if any(o.status == Offer.Status.ACCEPTED for o in offers):
        raise Conflict(gettext("已有申请人接受配租，不能重新摇号"))
    batch_unit_ids = list(BatchUnit.objects.filter(batch=batch).values_list("unit_id", flat=True))
    units = _lock_units(batch_unit_ids)
    moved = [
        u
        for u in units.values()
        if u.status == Unit.Status.OCCUPIED
        or BatchUnit.objects.filter(unit=u, batch__created_at__gt=batch.created_at).exists()
    ]
    if moved:
        raise Conflict(gettext("房源已另作安排，不能重新摇号：%(units)s") % {"units": "、".join(str(u) for u in moved)})
    Draw.objects.create(
        batch=batch,
        draw_round=batch.draw_round,
        reason=reason.strip(),
        actor=actor,
        commitment=batch.commitment,
        seed_hex=batch.seed_hex,
        manifest_sha256=batch.manifest_sha256,
        ranking=batch.ranking,
        allocation=batch.allocation,
        drawn_at=batch.drawn_at,
    )
    now = timezone.now()
    Offer.objects.filter(pk__in=[o.pk for o in offers if o.status == Offer.Status.PENDING]).update(
        status=Offer.Status.VOIDED, responded_at=now, updated_at=now
    )
    Unit.objects.filter(pk__in=list(units)).update(status=Unit.Status.RESERVED, updated_at=now)
    seed = lottery.new_seed()
    batch.seed_hex, batch.commitment = seed, lottery.commitment(seed)
    batch.ranking, batch.allocation, batch.waitlists = [], {}, {}
    batch.status = Batch.Status.FROZEN
    batch.drawn_at, batch.drawn_by = None, None
    batch.save()
    BatchEntry.objects.filter(batch=batch).update(rank=None)
    return batch


# --- offers -------------------------------------------------------------------------------------


def _pass_on(batch: Batch, unit: Unit, today: dt.date) -> Offer | None:
    """Offer a freed unit to the first on its layout's waitlist who may still have one; with nobody
    left it goes back to the stock. Called with the batch and the unit locked."""
    excluded = selectors.waitlist_excluded(batch)
    waitlist = (batch.waitlists or {}).get(unit.layout, [])
    number = lottery.next_on_waitlist(waitlist, excluded)
    if number is None:
        unit.status = Unit.Status.AVAILABLE
        unit.save(update_fields=["status", "updated_at"])
        return None
    entry = BatchEntry.objects.get(batch=batch, number=number)
    return _make_offer(batch, entry, unit, today)


def _offer_for_update(offer_id: int, user: Any | None) -> tuple[Batch, Offer]:
    visible = Offer.objects.all() if user is None else selectors.offers_visible_to(user)
    batch_id = visible.filter(pk=offer_id).values_list("batch_id", flat=True).first()
    if batch_id is None:
        raise NotFound(gettext("没有该配租通知"))
    batch = _lock_batch(batch_id)
    offer = Offer.objects.select_for_update(of=("self",)).select_related("application__applicant").get(pk=offer_id)
    return batch, offer


def _answering(offer_id: int, user: Any, at_counter: bool) -> tuple[Batch, Offer]:
    """The offered talent answers (over the API or their page); staff record an answer given at the
    service counter (``at_counter``: the admin, and talents without an account)."""
    if at_counter:
        _require_staff(user)
        return _offer_for_update(offer_id, None)
    batch, offer = _offer_for_update(offer_id, user)
    if not user.has_role(roles.TALENT) or offer.application.applicant.user_id != user.pk:
        raise NotPermitted(gettext("只有获配租的人才本人可以答复"))
    return batch, offer


@transaction.atomic
def offer_accept(*, offer_id: int, user: Any, today: dt.date | None = None, at_counter: bool = False) -> Offer:
    """The offered talent accepts: a lease starts today for the configured term, the unit is occupied."""
    today = today or timezone.localdate()
    batch, offer = _answering(offer_id, user, at_counter)
    if offer.status != Offer.Status.PENDING:
        raise Conflict(gettext("该配租通知当前状态为「%(status)s」，不能接受") % {"status": offer.get_status_display()})
    if offer.respond_by < today:
        raise Conflict(gettext("已超过答复期限"))
    unit = _lock_units([offer.unit_id])[offer.unit_id]
    if unit.status != Unit.Status.OFFERED:
        raise Conflict(gettext("该房源已不可配租"))
    application = offer.application
    if Lease.objects.filter(tenant_id=application.applicant_id, status=Lease.Status.CURRENT).exists():
        raise Conflict(gettext("您已承租人才公寓"))
    offer.status = Offer.Status.ACCEPTED
    offer.responded_at = timezone.now()
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    end = add_months(today, min(lease_term_months(), lease_max_months()))
    try:
        with transaction.atomic():
            Lease.objects.create(
                unit=unit,
                tenant_id=application.applicant_id,
                application=application,
                offer=offer,
                start=today,
                end=end,
                rent=unit.rent,
            )
    except IntegrityError:
        raise Conflict(gettext("该房源已有在租租约"))
    unit.status = Unit.Status.OCCUPIED
    unit.save(update_fields=["status", "updated_at"])
    return offer


@transaction.atomic
def offer_decline(*, offer_id: int, user: Any, today: dt.date | None = None, at_counter: bool = False) -> Offer:
    """The offered talent declines: the unit goes to the next waiting applicant who wants its layout."""
    today = today or timezone.localdate()
    batch, offer = _answering(offer_id, user, at_counter)
    if offer.status != Offer.Status.PENDING:
        raise Conflict(gettext("该配租通知当前状态为「%(status)s」，不能放弃") % {"status": offer.get_status_display()})
    return _close_and_pass_on(batch, offer, Offer.Status.DECLINED, today)


def _close_and_pass_on(batch: Batch, offer: Offer, status: str, today: dt.date) -> Offer:
    offer.status = status
    offer.responded_at = timezone.now()
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    unit = _lock_units([offer.unit_id])[offer.unit_id]
    if batch.status == Batch.Status.DRAWN and offer.draw_round == batch.draw_round:
        _pass_on(batch, unit, today)
    else:
        unit.status = Unit.Status.AVAILABLE
        unit.save(update_fields=["status", "updated_at"])
    return offer


@transaction.atomic
def offer_expire(*, offer_id: int, today: dt.date | None = None) -> bool:
    """An offer past its respond-by day without an answer expires and its unit is passed on. Safe to
    run twice or at the same time as an answer: only a pending, overdue offer changes."""
    today = today or timezone.localdate()
    try:
        batch, offer = _offer_for_update(offer_id, None)
    except NotFound:
        return False
    if offer.status != Offer.Status.PENDING or offer.respond_by >= today:
        return False
    _close_and_pass_on(batch, offer, Offer.Status.EXPIRED, today)
    return True


def offers_expire_due(*, today: dt.date | None = None, limit: int = 1000) -> int:
    today = today or timezone.localdate()
    due = Offer.objects.filter(status=Offer.Status.PENDING, respond_by__lt=today).order_by("pk")
    return sum(1 for pk in list(due.values_list("pk", flat=True)[:limit]) if offer_expire(offer_id=pk, today=today))


def offers_remind(*, today: dt.date | None = None, limit: int = 1000) -> int:
    """On an offer's last day to answer, one reminder (claimed by a conditional UPDATE)."""
    today = today or timezone.localdate()
    sent = 0
    for pk in list(
        Offer.objects.filter(status=Offer.Status.PENDING, reminded=False, respond_by=today).values_list(
            "pk", flat=True
        )[:limit]
    ):
        with transaction.atomic():
            if Offer.objects.filter(pk=pk, reminded=False).update(reminded=True):
                _notify_offer(pk, kind="apartment.offer_reminder")
                sent += 1
    return sent


# --- tenancy ------------------------------------------------------------------------------------

LEASE_NOTICE_DAYS = 60


def leases_remind_expiring(*, today: dt.date | None = None, limit: int = 1000) -> int:
    from apps.notifications.services import notify

    today = today or timezone.localdate()
    due = Lease.objects.filter(
        status=Lease.Status.CURRENT, expiry_reminded=False, end__lte=today + dt.timedelta(days=LEASE_NOTICE_DAYS)
    ).select_related("tenant__user", "unit__building")
    sent = 0
    for lease in list(due.order_by("end", "pk")[:limit]):
        with transaction.atomic():
            if not Lease.objects.filter(pk=lease.pk, expiry_reminded=False).update(expiry_reminded=True):
                continue
            user = lease.tenant.user
            if user is not None and user.is_active:
                notify(
                    kind="apartment.lease_expiring",
                    recipient=user,
                    event_key=f"apartment-lease:{lease.pk}:expiring:{lease.end.isoformat()}",
                    context={"unit": str(lease.unit), "end": lease.end},
                    link="/my/offers/",
                )
            sent += 1
    return sent


def _lease_for_update(lease_id: int, visible: QuerySet[Lease]) -> tuple[Batch | None, Lease]:
    row = visible.filter(pk=lease_id).values_list("offer__batch_id", flat=True)
    if not row.exists():
        raise NotFound(gettext("没有该租约"))
    batch_id = row.first()
    batch = _lock_batch(batch_id) if batch_id else None
    lease = Lease.objects.select_for_update(of=("self",)).get(pk=lease_id)
    return batch, lease


@transaction.atomic
def lease_renewal_request(*, lease_id: int, user: Any, requested_end: Any, note: Any = "") -> RenewalRequest:
    """The tenant asks to extend the lease before it expires, within the maximum term."""
    _, lease = _lease_for_update(lease_id, selectors.leases_visible_to(user))
    if lease.tenant.user_id != user.pk:
        raise NotPermitted(gettext("只有承租人本人可以申请续租"))
    if lease.status != Lease.Status.CURRENT:
        raise Conflict(gettext("租约已结束，不能续租"))
    if not isinstance(note, str) or len(note) > 1000:
        raise ValidationFailed({"note": [gettext("说明不超过1000字")]})
    end = _date(requested_end, "requested_end")
    latest = add_months(lease.start, lease_max_months())
    if end <= lease.end:
        raise ValidationFailed({"requested_end": [gettext("续租日期须晚于现租期届满日期")]})
    if end > latest:
        raise ValidationFailed({"requested_end": [gettext("租期最长至%(date)s") % {"date": latest.isoformat()}]})
    if lease.end < timezone.localdate():
        raise Conflict(gettext("租约已到期，不能续租"))
    try:
        with transaction.atomic():
            return RenewalRequest.objects.create(lease=lease, requested_end=end, note=note)
    except IntegrityError:
        raise Conflict(gettext("已有一件续租申请待审核"))


@transaction.atomic
def lease_renewal_decide(*, renewal_id: int, actor: Any, approve: bool) -> RenewalRequest:
    _require_staff(actor)
    renewal = RenewalRequest.objects.select_for_update(of=("self",)).filter(pk=renewal_id).first()
    if renewal is None:
        raise NotFound(gettext("没有该续租申请"))
    if renewal.status != RenewalRequest.Status.PENDING:
        raise Conflict(gettext("该续租申请已处理"))
    lease = Lease.objects.select_for_update(of=("self",)).get(pk=renewal.lease_id)
    if approve:
        if lease.status != Lease.Status.CURRENT:
            raise Conflict(gettext("租约已结束，不能续租"))
        lease.end = renewal.requested_end
        lease.expiry_reminded = False
        lease.save(update_fields=["end", "expiry_reminded", "updated_at"])
    renewal.status = RenewalRequest.Status.APPROVED if approve else RenewalRequest.Status.REFUSED
    renewal.decided_by, renewal.decided_at = actor, timezone.now()
    renewal.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return renewal


@transaction.atomic
def lease_move_out(*, lease_id: int, actor: Any, on: Any = None, today: dt.date | None = None) -> Lease:
    """Staff record a move-out: the lease ends and the unit is offered to the batch's waitlist (or goes
    back to the stock)."""
    _require_staff(actor)
    today = today or timezone.localdate()
    ended_on = today if on in (None, "") else _date(on, "ended_on")
    batch, lease = _lease_for_update(lease_id, Lease.objects.all())
    if lease.status != Lease.Status.CURRENT:
        raise Conflict(gettext("租约已结束"))
    if ended_on < lease.start:
        raise ValidationFailed({"ended_on": [gettext("退租日期不能早于起租日期")]})
    lease.status = Lease.Status.ENDED
    lease.ended_on = ended_on
    lease.save(update_fields=["status", "ended_on", "updated_at"])
    if lease.offer_id:
        Offer.objects.filter(pk=lease.offer_id).update(released=True, updated_at=timezone.now())
    unit = _lock_units([lease.unit_id])[lease.unit_id]
    offer = Offer.objects.filter(pk=lease.offer_id).first() if lease.offer_id else None
    if (
        batch is not None
        and offer is not None
        and batch.status == Batch.Status.DRAWN
        and offer.draw_round == batch.draw_round
    ):
        _pass_on(batch, unit, today)
    else:
        unit.status = Unit.Status.AVAILABLE
        unit.save(update_fields=["status", "updated_at"])
    return lease


def layout_codes() -> set[str]:
    return {c for c, _ in Layout.choices}
