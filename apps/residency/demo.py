"""The seed's 512 household registration cards (为512位人才发放入户卡), as completed applications.

Run after ``apps.workflow.demo``: the household registrations it completed through the real
services count, and the rest are written in bulk as the archive of this year's paper applications
(entered by an inactive ``archive_intake`` account): each with its application, its events (create,
submit, pre-check, accept, recommend, approve, fulfil, on working days before today), its card,
and one slot of its employer's ``hukou_indicator`` quota for this year. Quotas are resized with
``quota_set_total`` so every one keeps at least one slot free, then ``used`` moves by the number
of approvals under a row lock, with one ledger row (QuotaMovement) per approval.

Idempotent: nothing is added once 512 household registrations are completed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from apps.core.workdays import add_working_days
from apps.enterprises.lock_objects import quota_qs_select_for_update
from apps.enterprises.models import KeyEnterpriseListing, Quota, QuotaMovement
from apps.enterprises.services import quota_set_total
from apps.talents.models import Talent
from apps.workflow.models import Application, ApplicationEvent, ServiceDefinition
from apps.workflow.states import Status

from .models import RegistrationCard

CARDS_ISSUED = 512
ARCHIVE_USERNAME = "archive_intake"
STAFF = ("clerk_demo", "reviewer_demo", "approver_demo")
BATCH = 500


def _archive_user() -> Any:
    """The account the archived paper applications are filed under: no role, no password, inactive."""
    User = get_user_model()
    user = User.objects.filter(username=ARCHIVE_USERNAME).first()
    if user is None:
        # Not accounts.services.user_create: that wants a password, and this account must have none.
        user = User.objects.create_user(
            username=ARCHIVE_USERNAME,
            email="archive_intake@rsj.haizhu.gov.cn",
            password=None,
            first_name="窗口收件",
            is_active=False,
        )
    return user


@contextmanager
def _timestamps_as_given(*fields: Any) -> Iterator[None]:
    """Let bulk_create write the historical times set on the objects instead of "now" for these
    auto_now/auto_now_add fields (a bulk_update afterwards would cost seconds of CASE building)."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f, _, _ in saved:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while True:
        day = add_working_days(day, 1)
        if day > end:
            return days
        days.append(day)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def seed(stdout=None) -> None:
    service = ServiceDefinition.objects.filter(code="hukou").first()
    staff = {u.username: u for u in get_user_model().objects.filter(username__in=STAFF)}
    if service is None or len(staff) < len(STAFF):
        if stdout:
            stdout.write("demo registration cards: skipped (no hukou service or demo staff)")
        return
    done = Application.objects.filter(service=service, status=Status.COMPLETED).count()
    wanted = CARDS_ISSUED - done
    if wanted <= 0:
        if stdout:
            stdout.write(f"demo registration cards: {done} already issued")
        return
    today = timezone.localdate()
    year = today.year
    key_ids = set(KeyEnterpriseListing.objects.filter(year=year).values_list("enterprise_id", flat=True))
    pool = list(
        Talent.objects.filter(employer_id__in=key_ids, user__isnull=True)
        .exclude(applications__service=service)
        .order_by("pk")
        .values_list("pk", "employer_id")
    )
    rng = random.Random(CARDS_ISSUED)
    chosen = sorted(rng.sample(pool, min(wanted, len(pool))))
    if not chosen:
        return
    clerk, reviewer, approver = (staff[name] for name in STAFF)
    archive = _archive_user()

    # Quotas first: room for every approval, and at least one slot left over.
    per_enterprise = Counter(employer_id for _, employer_id in chosen)
    current = {
        q.enterprise_id: q
        for q in Quota.objects.filter(
            kind=Quota.Kind.HUKOU_INDICATOR, year=year, enterprise_id__in=list(per_enterprise)
        )
    }
    for enterprise_id, n in sorted(per_enterprise.items()):
        quota = current.get(enterprise_id)
        used, total = (quota.used, quota.total) if quota else (0, 0)
        needed = used + n + rng.randint(1, 3)
        if total < needed:
            quota_set_total(
                enterprise_id=enterprise_id, kind=Quota.Kind.HUKOU_INDICATOR, year=year, total=needed, actor=approver
            )

    # Decisions on this year's working days before today; the steps before them may reach into last year.
    days = _working_days(dt.date(year - 1, 11, 1), today + dt.timedelta(days=40))
    this_year = [i for i, d in enumerate(days) if d.year == year and d < today] or [
        max(i for i, d in enumerate(days) if d <= today)
    ]
    limit = service.time_limit_days
    plans: list[dict[str, Any]] = []
    for n, (talent_id, employer_id) in enumerate(chosen):
        decided = this_year[n * len(this_year) // len(chosen)]
        accepted = max(decided - rng.randint(4, min(12, limit)), 2)
        submitted = accepted - rng.randint(1, 2)
        recommended = max(decided - rng.randint(1, 2), accepted)
        completed = min(decided + rng.randint(1, 3), max(this_year[-1], decided))
        plans.append(
            {
                "talent_id": talent_id,
                "enterprise_id": employer_id,
                "submitted": _at(days[submitted], rng),
                "accepted": _at(days[accepted], rng),
                "recommended": _at(days[recommended], rng),
                "decided": _at(days[decided], rng),
                "completed": _at(days[completed], rng),
                "used": decided - accepted,
            }
        )
    for plan in plans:  # same-day steps keep their order
        plan["recommended"] = max(plan["recommended"], plan["accepted"] + dt.timedelta(minutes=30))
        plan["decided"] = max(plan["decided"], plan["recommended"] + dt.timedelta(minutes=30))
        plan["completed"] = max(plan["completed"], plan["decided"] + dt.timedelta(minutes=30))

    application_fields = [Application._meta.get_field(name) for name in ("created_at", "updated_at")]
    with _timestamps_as_given(*application_fields):
        applications = Application.objects.bulk_create(
            [
                Application(
                    service=service,
                    applicant_id=p["talent_id"],
                    submitted_by=archive,
                    enterprise_id=p["enterprise_id"],
                    status=Status.COMPLETED,
                    submitted_at=p["submitted"],
                    accepted_at=p["accepted"],
                    working_days_used=p["used"],
                    precheck_report={"ok": True, "issues": [], "checked_at": p["submitted"].isoformat()},
                    precheck_at=p["submitted"],
                    recommended_by=reviewer,
                    decided_at=p["decided"],
                    completed_at=p["completed"],
                    data={"archived": True},
                    created_at=p["submitted"] - dt.timedelta(minutes=30),
                    updated_at=p["completed"],
                )
                for p in plans
            ],
            batch_size=BATCH,
        )
    # The number and the card number carry the primary key, known only now.
    cards = []
    for application, p in zip(applications, plans, strict=True):
        issued_on = timezone.localdate(p["completed"])
        application.number = f"HZ{timezone.localdate(p['submitted']).year}-{application.pk:06d}"
        card_number = f"RH{issued_on.year}{application.pk:08d}"
        application.result = {
            "quota": {"enterprise": p["enterprise_id"], "year": year},
            "card_number": card_number,
            "issued_on": issued_on.isoformat(),
        }
        cards.append(
            RegistrationCard(
                application=application,
                talent_id=p["talent_id"],
                number=card_number,
                issued_on=issued_on,
                quota_year=year,
                quota_enterprise_id=p["enterprise_id"],
            )
        )
    Application.objects.bulk_update(applications, ["number", "result"], batch_size=BATCH)
    RegistrationCard.objects.bulk_create(cards, batch_size=BATCH)

    steps = (
        # action, from, to, actor, when (plan key), shift, note
        ("create", "", Status.DRAFT, archive, "submitted", -1800, "纸质申请录入"),
        ("submit", Status.DRAFT, Status.SUBMITTED, archive, "submitted", 0, ""),
        ("precheck", Status.SUBMITTED, Status.PRE_REVIEW, None, "submitted", 5, ""),
        ("accept", Status.PRE_REVIEW, Status.UNDER_REVIEW, clerk, "accepted", 0, "材料齐全，予以受理"),
        ("recommend", Status.UNDER_REVIEW, Status.PENDING_APPROVAL, reviewer, "recommended", 0, "符合条件，建议批准"),
        ("approve", Status.PENDING_APPROVAL, Status.APPROVED, approver, "decided", 0, "同意"),
        ("fulfil", Status.APPROVED, Status.COMPLETED, clerk, "completed", 0, "已发入户卡"),
    )
    with _timestamps_as_given(ApplicationEvent._meta.get_field("at")):
        ApplicationEvent.objects.bulk_create(
            [
                ApplicationEvent(
                    application=application,
                    action=action,
                    from_status=source,
                    to_status=target,
                    actor=actor,
                    note=note,
                    data={"result": application.result} if action == "fulfil" else {},
                    at=p[when] + dt.timedelta(seconds=shift),
                )
                for application, p in zip(applications, plans, strict=True)
                for action, source, target, actor, when, shift, note in steps
            ],
            batch_size=BATCH,
        )

    # The quota ledger: ``used`` moves by the number of approvals under the row lock (one UPDATE per
    # distinct count, each checked), with one movement per approval.
    quota_pk = dict(
        quota_qs_select_for_update()
        .filter(kind=Quota.Kind.HUKOU_INDICATOR, year=year, enterprise_id__in=list(per_enterprise))
        .values_list("enterprise_id", "pk")
    )
    by_count: dict[int, list[int]] = defaultdict(list)
    for enterprise_id, n in per_enterprise.items():
        by_count[n].append(quota_pk[enterprise_id])
    for n, pks in sorted(by_count.items()):
        moved = Quota.objects.filter(pk__in=pks, used__lte=F("total") - n).update(used=F("used") + n)
        if moved != len(pks):
            raise RuntimeError(f"{len(pks) - moved} hukou quotas have no room for {n} more approvals")
    with _timestamps_as_given(QuotaMovement._meta.get_field("at")):
        QuotaMovement.objects.bulk_create(
            [
                QuotaMovement(
                    quota_id=quota_pk[p["enterprise_id"]],
                    delta=1,
                    reference=application.number,
                    actor=approver,
                    note="人才入户审批",
                    at=p["decided"],
                )
                for application, p in zip(applications, plans, strict=True)
            ],
            batch_size=BATCH,
        )
    if stdout:
        stdout.write(
            f"demo registration cards: {len(cards)} archived household registrations completed "
            f"({done + len(cards)} cards in all), over {len(per_enterprise)} enterprises' {year} indicator quotas"
        )
