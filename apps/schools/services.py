"""Every write of school places: rounds, nominations, withdrawals, the assignment run.

Locks, always in this order when several are taken: the talent (employment), the application (the
workflow's), the nomination, the round, its seats, the quota. Views, the admin, the pages and the
demo call these functions and nothing else writes these tables.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from apps.accounts import roles
from apps.core import crypto
from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed
from apps.core.identifiers import IdentifierError, resident_id_parse
from apps.enterprises.models import EnterpriseMember, Quota
from apps.enterprises.selectors import enterprise_for_user
from apps.enterprises.services import quota_consume, quota_release
from apps.talents.employment import employment_is_confirmed
from apps.talents.models import Talent

from . import matching, selectors
from .models import Nomination, Round, RoundSeat, School

SERVICE_CODE = "school_place"
CHILD_NAME_MAX = 50
MAX_PREFERENCES = 20
# Kept as written, in the portal's language; pages translate them where they are shown.
REASON_ALL_FULL = gettext_noop("所填志愿学校的学位均已由优先分更高或抽签序号更前的学生录满")


def _is_district_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(roles.DISTRICT_ADMIN))


def _require_district_admin(user: Any) -> None:
    if not _is_district_admin(user):
        raise NotPermitted(gettext("只有区人社局管理员可以进行此操作"))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# --- rounds -----------------------------------------------------------------------------------


def priority_rule_clean(rule: Any) -> dict[str, int]:
    """``{category level: points}``: levels 1..99 as strings, points 0..10000; 400 naming ``priority_rule``."""
    if not isinstance(rule, Mapping):
        raise ValidationFailed({"priority_rule": [gettext("应为人才类别层级到优先分的对应关系")]})
    cleaned: dict[str, int] = {}
    for level, points in rule.items():
        level_int, points_int = _as_int(level), _as_int(points)
        if level_int is None or not 1 <= level_int <= 99 or points_int is None or not 0 <= points_int <= 10_000:
            raise ValidationFailed({"priority_rule": [gettext("层级应为1至99，优先分应为0至10000的整数")]})
        cleaned[str(level_int)] = points_int
    return cleaned


@transaction.atomic
def round_create(
    *,
    actor: Any,
    year: Any,
    opens_on: Any,
    closes_on: Any,
    seats: Any,
    priority_rule: Any = None,
    name: str = "",
    previous_id: int | None = None,
) -> Round:
    """A round with its seats. The seed is drawn now and kept secret; its ``commitment`` is published.
    A round following ``previous_id`` (which must have run) offers at most that round's seats left."""
    _require_district_admin(actor)
    errors: dict[str, list[str]] = {}
    year_int = _as_int(year)
    if year_int is None or not 2000 <= year_int <= 2100:
        errors["year"] = [gettext("请填写有效的年度")]
    opens, closes = _as_date(opens_on), _as_date(closes_on)
    if opens is None:
        errors["opens_on"] = [gettext("请填写有效的日期")]
    if closes is None:
        errors["closes_on"] = [gettext("请填写有效的日期")]
    elif opens is not None and closes < opens:
        errors["closes_on"] = [gettext("截止日期不能早于开始日期")]
    rule: dict[str, int] = {}
    try:
        rule = priority_rule_clean(priority_rule) if priority_rule is not None else {}
    except ValidationFailed as exc:
        errors.update(exc.messages_by_field())
    previous = None
    if previous_id is not None:
        previous = Round.objects.filter(pk=previous_id).first()
        if previous is None or not previous.is_run:
            errors["previous"] = [gettext("上一轮不存在或尚未完成分配")]
    wanted: dict[int, int] = {}
    seat_errors: list[str] = []
    if not isinstance(seats, Sequence) or isinstance(seats, str | bytes) or not seats:
        seat_errors.append(gettext("请至少设置一所学校的学位"))
    else:
        for index, item in enumerate(seats, start=1):
            school_id = _as_int(item.get("school")) if isinstance(item, Mapping) else None
            capacity = _as_int(item.get("capacity")) if isinstance(item, Mapping) else None
            if school_id is None or capacity is None or not 1 <= capacity <= 100_000:
                seat_errors.append(gettext("第%(n)d项：应为学校编号和1以上的学位数") % {"n": index})
            elif school_id in wanted:
                seat_errors.append(gettext("第%(n)d项：学校重复") % {"n": index})
            else:
                wanted[school_id] = capacity
        known = set(School.objects.filter(pk__in=list(wanted), active=True).values_list("pk", flat=True))
        if unknown := sorted(set(wanted) - known):
            seat_errors.append(gettext("没有这些学校：%(ids)s") % {"ids": ", ".join(map(str, unknown))})
        if previous is not None and not seat_errors:
            left = selectors.seats_left(previous)
            if over := sorted(pk for pk, capacity in wanted.items() if capacity > left.get(pk, 0)):
                seat_errors.append(gettext("超过上一轮剩余学位的学校：%(ids)s") % {"ids": ", ".join(map(str, over))})
    if seat_errors:
        errors["seats"] = seat_errors
    if errors:
        raise ValidationFailed(errors)
    seed = matching.new_seed()
    round_ = Round.objects.create(
        year=year_int,
        name=(name or "").strip()[:100],
        opens_on=opens,
        closes_on=closes,
        seed_hex=seed,
        commitment=matching.commitment(seed),
        priority_rule=rule if priority_rule is not None else Round._meta.get_field("priority_rule").get_default(),
        previous=previous,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    RoundSeat.objects.bulk_create(
        [RoundSeat(round=round_, school_id=pk, capacity=capacity) for pk, capacity in wanted.items()]
    )
    return round_


# --- nominations --------------------------------------------------------------------------------


def _hr_enterprise(user: Any) -> Any:
    """The enterprise an HR user acts for; 403 for any other caller."""
    enterprise = enterprise_for_user(user) if getattr(user, "is_authenticated", False) else None
    if enterprise is None or not user.has_role(roles.ENTERPRISE_HR):
        raise NotPermitted(gettext("只有企业人事可以提名"))
    return enterprise


def _clean_nomination(
    *, round_: Round | None, talent_id: Any, child_name: Any, child_id_number: Any, entry_grade: Any, preferences: Any
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    name = child_name.strip() if isinstance(child_name, str) else ""
    if not name:
        errors["child_name"] = [gettext("请填写子女姓名")]
    elif len(name) > CHILD_NAME_MAX:
        errors["child_name"] = [gettext("最多%(limit)d个字符") % {"limit": CHILD_NAME_MAX}]
    cleaned["child_name"] = name
    try:
        parsed = resident_id_parse(child_id_number if isinstance(child_id_number, str) else "")
    except IdentifierError as exc:
        errors["child_id_number"] = [str(exc)]
    else:
        cleaned["child_id_number"] = parsed.number
        cleaned["child_birth_date"] = parsed.birth_date
        if parsed.birth_date.year < timezone.localdate().year - 20:
            errors["child_id_number"] = [gettext("按身份证号码，子女已超过入学年龄")]
    grade = _as_int(entry_grade)
    if grade is None or grade not in Nomination.Grade.values:
        errors["entry_grade"] = [gettext("入读年级应为1至9（小学一年级至初中三年级）")]
    cleaned["entry_grade"] = grade
    if not isinstance(talent_id, int) or isinstance(talent_id, bool):
        errors["talent"] = [gettext("请选择家长（本企业人才）")]
    if not isinstance(preferences, list) or not preferences:
        errors["preferences"] = [gettext("请按志愿先后至少选择一所学校")]
    elif len(preferences) > MAX_PREFERENCES:
        errors["preferences"] = [gettext("最多填报%(limit)d个志愿") % {"limit": MAX_PREFERENCES}]
    else:
        ids = [_as_int(p) for p in preferences]
        if any(pk is None for pk in ids):
            errors["preferences"] = [gettext("志愿应为学校编号")]
        elif len(set(ids)) != len(ids):
            errors["preferences"] = [gettext("志愿学校不能重复")]
        elif round_ is not None:
            offered = dict(RoundSeat.objects.filter(round=round_).values_list("school_id", "school__stage"))
            outside = [pk for pk in ids if pk not in offered]
            if outside:
                errors["preferences"] = [
                    gettext("这些学校不在本轮分配范围内：%(ids)s") % {"ids": ", ".join(map(str, outside))}
                ]
            elif grade is not None and grade in Nomination.Grade.values:
                stage = School.Stage.PRIMARY if grade <= 6 else School.Stage.JUNIOR
                if wrong := [pk for pk in ids if pk is not None and offered[pk] != stage]:
                    errors["preferences"] = [
                        gettext("这些学校的学段与入读年级不符：%(ids)s") % {"ids": ", ".join(map(str, wrong))}
                    ]
        cleaned["preferences"] = ids
    return cleaned, errors


@transaction.atomic
def nomination_create(
    *,
    user: Any,
    round_id: Any,
    talent_id: Any,
    child_name: Any,
    child_id_number: Any,
    entry_grade: Any,
    preferences: Any,
) -> Nomination:
    """HR nominates a confirmed employee's child: spends one ``school_place`` slot of the enterprise for
    the round's year (409 when none is left) and files a ``school_place`` application, submitted, for
    staff to verify. 400 naming the field for bad input; 409 for a second live nomination of the child."""
    from apps.workflow import services as workflow_services

    enterprise = _hr_enterprise(user)
    round_pk = _as_int(round_id)
    round_ = Round.objects.filter(pk=round_pk).first() if round_pk is not None else None
    cleaned, errors = _clean_nomination(
        round_=round_,
        talent_id=talent_id,
        child_name=child_name,
        child_id_number=child_id_number,
        entry_grade=entry_grade,
        preferences=preferences,
    )
    today = timezone.localdate()
    if round_ is None:
        errors["round"] = [gettext("没有该轮次")]
    elif round_.current_status(today) != Round.Status.OPEN or today < round_.opens_on:
        errors["round"] = [
            gettext("本轮提名时间为%(opens)s至%(closes)s，当前不接受提名")
            % {"opens": round_.opens_on.isoformat(), "closes": round_.closes_on.isoformat()}
        ]
    # Read under the talent's row lock: a refusal of the employment cannot slip in before we spend.
    if "talent" not in errors and not employment_is_confirmed(talent_id=talent_id, enterprise_id=enterprise.pk):
        errors["talent"] = [gettext("家长须为本企业已确认在职的人才")]
    if errors:
        raise ValidationFailed(errors)
    assert round_ is not None
    id_hash = crypto.pii_hash(cleaned["child_id_number"])
    live = Nomination.objects.filter(round=round_, child_id_number_hash=id_hash).exclude(
        status=Nomination.Status.WITHDRAWN
    )
    if live.exists():
        raise Conflict(gettext("该子女在本轮已有提名"))
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                number=f"~{uuid.uuid4().hex[:16]}",
                round=round_,
                enterprise=enterprise,
                talent_id=talent_id,
                child_name=cleaned["child_name"],
                child_id_number=cleaned["child_id_number"],
                child_id_number_hash=id_hash,
                child_birth_date=cleaned["child_birth_date"],
                entry_grade=cleaned["entry_grade"],
                preferences=cleaned["preferences"],
                created_by=user,
            )
    except IntegrityError:  # the same child, nominated at the same moment by another request
        raise Conflict(gettext("该子女在本轮已有提名"))
    nomination.number = f"SP{round_.year}{nomination.pk:06d}"
    quota_consume(
        enterprise_id=enterprise.pk,
        kind=Quota.Kind.SCHOOL_PLACE,
        year=round_.year,
        actor=user,
        reference=nomination.number,
        note=gettext_noop("优质学位提名"),
    )
    application = workflow_services.application_create(
        user=user,
        service_code=SERVICE_CODE,
        talent_id=talent_id,
        data={"nomination": nomination.pk, "round": round_.pk},
        # One open application per nomination, so a parent's two children are two open cases.
        subject=nomination.number,
    )
    nomination.application = application
    nomination.save(update_fields=["number", "application", "updated_at"])
    workflow_services.application_act(application_id=application.pk, action="submit", actor=user)
    return nomination


def _nomination_visible(user: Any, nomination_id: Any) -> Nomination:
    pk = _as_int(nomination_id)
    nomination = selectors.nominations_visible_to(user).filter(pk=pk).first() if pk is not None else None
    if nomination is None:
        raise NotFound(gettext("没有该提名"))
    return nomination


def nomination_release(nomination: Nomination, *, actor: Any, status: str, today: dt.date | None = None) -> bool:
    """Move a locked nomination that holds a slot (nominated or approved) to ``status`` and give the
    enterprise's slot back, unless the round has run. Called by the workflow steps inside the action's
    transaction; returns whether a slot was released."""
    if nomination.status not in (Nomination.Status.NOMINATED, Nomination.Status.APPROVED):
        return False
    nomination.status = status
    nomination.save(update_fields=["status", "updated_at"])
    if nomination.round.is_run:
        return False
    quota_release(
        enterprise_id=nomination.enterprise_id,
        kind=Quota.Kind.SCHOOL_PLACE,
        year=nomination.round.year,
        actor=actor,
        reference=nomination.number,
        note=gettext_noop("优质学位提名撤回或未通过审核"),
    )
    return True


@transaction.atomic
def nomination_withdraw(*, user: Any, nomination_id: Any) -> Nomination:
    """HR withdraws its nomination before the round's ``closes_on``: the application is withdrawn
    through the workflow and the slot goes back to the enterprise. 409 after the window, after the
    run, or once verified (an approved application cannot be withdrawn)."""
    from apps.workflow import services as workflow_services

    _hr_enterprise(user)
    nomination = _nomination_visible(user, nomination_id)
    today = timezone.localdate()
    if nomination.round.is_run or today > nomination.round.closes_on:
        raise Conflict(gettext("提名截止后不能撤回"))
    if nomination.status != Nomination.Status.NOMINATED:
        raise Conflict(gettext("提名当前状态为「%(status)s」，不能撤回") % {"status": nomination.get_status_display()})
    if nomination.application_id is not None:
        # The application first (the workflow's lock order); its withdraw step releases the slot.
        workflow_services.application_act(application_id=nomination.application_id, action="withdraw", actor=user)
    else:
        locked = Nomination.objects.select_for_update(of=("self",)).select_related("round").get(pk=nomination.pk)
        nomination_release(locked, actor=user, status=Nomination.Status.WITHDRAWN)
    nomination.refresh_from_db()
    return nomination


# --- the run ------------------------------------------------------------------------------------


def _priorities(nominations: list[Nomination], rule: Mapping[str, int]) -> dict[int, int]:
    """Priority per nomination from its parent's *verified* categories: the best points any verified
    category's level earns under the rule (0 without one)."""
    from apps.talents.selectors import holdings_verified

    best: dict[int, int] = {}
    talent_ids = {n.talent_id for n in nominations}
    rows = holdings_verified().filter(talent_id__in=talent_ids).values_list("talent_id", "category__level")
    for talent_id, level in rows:
        points = int(rule.get(str(level), 0))
        best[talent_id] = max(best.get(talent_id, 0), points)
    return {n.pk: best.get(n.talent_id, 0) for n in nominations}


@transaction.atomic
def round_run(*, round_id: Any, actor: Any) -> Round:
    """Student-proposing deferred acceptance over the round's approved nominations, priority from the
    rule on verified categories, ties by the committed lottery. The result is checked (capacities,
    only ranked schools, no blocking pair) before anything is stored: a problem refuses the run (409)
    and changes nothing. Then the seed is revealed, each application is fulfilled with its result and
    the parents and their enterprises' HR are told."""
    from apps.workflow import services as workflow_services

    _require_district_admin(actor)
    pk = _as_int(round_id)
    round_ = Round.objects.select_for_update(of=("self",)).filter(pk=pk).first() if pk is not None else None
    if round_ is None:
        raise NotFound(gettext("没有该轮次"))
    if round_.is_run:
        raise Conflict(gettext("本轮已完成分配"))
    seats = list(RoundSeat.objects.select_for_update(of=("self",)).filter(round=round_).order_by("pk"))
    capacities = {seat.school_id: seat.capacity for seat in seats}
    nominations = list(
        Nomination.objects.select_for_update(of=("self",))
        .filter(round=round_, status=Nomination.Status.APPROVED)
        .order_by("pk")
    )
    priorities = _priorities(nominations, round_.priority_rule or {})
    students = [
        matching.Student(number=n.number, priority=priorities[n.pk], preferences=tuple(n.preferences))
        for n in nominations
    ]
    try:
        assignment = matching.deferred_acceptance(students, capacities, round_.seed_hex)
        problems = [
            gettext(p.template) % p.params
            for p in matching.find_problems(students, capacities, round_.seed_hex, assignment)
        ]
    except matching.MatchingInputError as exc:  # a preference outside the round's seats, say
        problems = [str(exc)]
    if problems:
        # Nothing is stored: the round stays unrun, the seed unrevealed.
        raise Conflict(
            gettext("分配结果未通过自检，未予公布：%(problems)s") % {"problems": gettext("；").join(problems[:5])}
        )
    counts: dict[int, int] = {}
    for nomination in nominations:
        school_id = assignment.get(nomination.number)
        nomination.priority = priorities[nomination.pk]
        if school_id is None:
            nomination.status = Nomination.Status.UNASSIGNED
            nomination.unassigned_reason = REASON_ALL_FULL
        else:
            nomination.status = Nomination.Status.ASSIGNED
            nomination.assigned_school_id = school_id
            counts[school_id] = counts.get(school_id, 0) + 1
    Nomination.objects.bulk_update(
        nominations, ["priority", "status", "assigned_school", "unassigned_reason", "updated_at"]
    )
    for seat in seats:
        if counts.get(seat.school_id):
            RoundSeat.objects.filter(pk=seat.pk).update(assigned=F("assigned") + counts[seat.school_id])
    round_.status = Round.Status.RUN
    round_.run_at = timezone.now()
    round_.run_by = actor
    round_.save(update_fields=["status", "run_at", "run_by", "updated_at"])
    # Each verified application is fulfilled with its result (its step reads the nomination).
    for nomination in nominations:
        if nomination.application_id is not None:
            workflow_services.application_act(application_id=nomination.application_id, action="fulfil", actor=actor)
    _notify_results(round_, nominations)
    return round_


def _notify_results(round_: Round, nominations: list[Nomination]) -> None:
    from apps.notifications import channels
    from apps.notifications.services import notify

    schools = dict(School.objects.filter(pk__in={n.assigned_school_id for n in nominations}).values_list("pk", "name"))
    talents = {t.pk: t for t in Talent.objects.filter(pk__in={n.talent_id for n in nominations}).select_related("user")}
    per_enterprise: dict[int, list[int]] = {}
    for nomination in nominations:
        tally = per_enterprise.setdefault(nomination.enterprise_id, [0, 0])
        tally[0 if nomination.assigned_school_id else 1] += 1
        parent = talents[nomination.talent_id]
        if parent.user is None:
            continue
        notify(
            kind="school_place.result",
            recipient=parent.user,
            event_key=f"school-result:{nomination.pk}",
            context={
                "child_name": nomination.child_name,
                "number": nomination.number,
                "school": schools.get(nomination.assigned_school_id or 0, ""),
                "reason": gettext(nomination.unassigned_reason) if nomination.unassigned_reason else "",
            },
            link=reverse("my-home"),
            channels=(channels.INAPP, channels.EMAIL),
        )
    members = EnterpriseMember.objects.filter(enterprise_id__in=list(per_enterprise)).select_related("user")
    for member in members:
        assigned, unassigned = per_enterprise[member.enterprise_id]
        notify(
            kind="school_place.round_results",
            recipient=member.user,
            event_key=f"school-round:{round_.pk}:{member.enterprise_id}",
            context={"round": str(round_), "assigned": assigned, "unassigned": unassigned},
            link=reverse("hr-nominations"),
            channels=(channels.INAPP, channels.EMAIL),
        )
