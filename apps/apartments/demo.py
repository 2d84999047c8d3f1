"""Demo talent apartments: 100 furnished units in four Haizhu buildings, a first batch drawn and let,
a second batch open.

The first batch's 53 applications are written as approved paper applications (filed under the
residency demo's archive intake account, as its archived household registrations are), from imported
talents whose employment is confirmed and whose category is verified, plus ``talent_demo`` so that
account has an offer and a lease to see on ``/my/offers/``. Everything after approval goes through the
services: freeze (scores from the published points rule), the draw (seed revealed, ranking,
allocation), offers accepted, declined (passed on to the waitlist), expired, left pending, a lease
with a renewal request, a move-out. ``talent_demo``'s case is fulfilled by the clerk, so the account
has nothing open (the workflow demo lets it start a fresh application).

Idempotent: the stock, and each batch, are made once.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.talents.models import Talent
from apps.talents.selectors import holdings_verified
from apps.workflow.models import Application, ApplicationEvent, ServiceDefinition
from apps.workflow.states import Status

from . import services
from .models import Batch, Building, Lease, Offer, Unit

BUILDINGS = [
    ("琶洲蓝湾人才公寓", "广州市海珠区新港东路1088号"),
    ("海珠创新湾人才公寓", "广州市海珠区阅江西路222号"),
    ("赤岗人才驿站", "广州市海珠区赤岗北路36号"),
    ("江南西人才公寓", "广州市海珠区江南西路48号"),
]
# Per building, 25 units: 10 one-room, 11 two-room, 4 three-room.
PLAN = ["1b"] * 10 + ["2b"] * 11 + ["3b"] * 4
RENT = {"1b": Decimal("1800.00"), "2b": Decimal("2600.00"), "3b": Decimal("3400.00")}
AREA = {"1b": Decimal("42.50"), "2b": Decimal("65.00"), "3b": Decimal("88.00")}
FIRST = "2026年第一批人才公寓配租"
SECOND = "2026年第二批人才公寓配租"
POINTS_RULE = {
    "category_levels": {"1": 60, "2": 50, "3": 45, "4": 40, "5": 30, "6": 25, "7": 20, "8": 15, "9": 10},
    "key_enterprise": 20,
    "per_year_in_district": 5,
    "max_years": 5,
}
POOL = 53


def _admin() -> Any:
    return get_user_model().objects.filter(username="admin_demo").first()


def stock() -> None:
    """100 units in four buildings, once."""
    if Building.objects.filter(name=BUILDINGS[0][0]).exists():
        return
    for b, (name, address) in enumerate(BUILDINGS):
        building = Building.objects.create(name=name, address=address)
        units = []
        for i, layout in enumerate(PLAN):
            floor = 3 + i // 5
            units.append(
                Unit(
                    building=building,
                    number=f"{floor}{i % 5 + 1:02d}",
                    layout=layout,
                    area_m2=AREA[layout],
                    rent=RENT[layout],
                    furnished=True,
                    status=Unit.Status.MAINTENANCE if (b == 3 and i in (0, 12)) else Unit.Status.AVAILABLE,
                )
            )
        Unit.objects.bulk_create(units)


def _units_of(buildings: list[str]) -> list[int]:
    return list(
        Unit.objects.filter(building__name__in=buildings, status=Unit.Status.AVAILABLE)
        .order_by("building__name", "number")
        .values_list("pk", flat=True)
    )


def open_batch() -> Batch | None:
    """The second batch, open for applications: the last building's units."""
    admin = _admin()
    if admin is None:
        return None
    stock()
    batch = Batch.objects.filter(name=SECOND).first()
    if batch is not None:
        return batch
    today = timezone.localdate()
    return services.batch_create(
        actor=admin,
        name=SECOND,
        opens_on=today - dt.timedelta(days=7),
        closes_on=today + dt.timedelta(days=30),
        units=_units_of([BUILDINGS[3][0]]),
        eligible_categories=[],
        points_rule=POINTS_RULE,
    )


def open_batch_application_data() -> dict[str, Any]:
    """``data`` for an application to the open batch (the workflow demo's apartment applications)."""
    batch = open_batch()
    return {} if batch is None else {"batch": batch.pk, "layouts": ["2b", "1b"]}


def _approved(talent: Talent, batch: Batch, layouts: list[str], *, filed_by: Any, approver: Any) -> Application:
    service = ServiceDefinition.objects.get(code="apartment")
    now = timezone.now()
    application = Application.objects.create(
        service=service,
        applicant=talent,
        submitted_by=filed_by,
        enterprise_id=talent.employer_id if talent.employment_status == Talent.EmploymentStatus.CONFIRMED else None,
        status=Status.APPROVED,
        data={"batch": batch.pk, "layouts": layouts},
        submitted_at=now - dt.timedelta(days=40),
        accepted_at=now - dt.timedelta(days=38),
        decided_at=now - dt.timedelta(days=30),
    )
    application.number = f"HZ{timezone.localdate().year}-{application.pk:06d}"
    application.save(update_fields=["number"])
    ApplicationEvent.objects.bulk_create(
        [
            ApplicationEvent(
                application=application, action="create", from_status="", to_status=Status.DRAFT, actor=filed_by
            ),
            ApplicationEvent(
                application=application,
                action="approve",
                from_status=Status.PENDING_APPROVAL,
                to_status=Status.APPROVED,
                actor=approver,
                note="纸质申请已审批，纳入摇号名单",
            ),
        ]
    )
    return application


def seed(stdout=None) -> None:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["admin_demo", "approver_demo", "clerk_demo", "talent_demo"]
        )
    }
    if len(users) < 4 or not ServiceDefinition.objects.filter(code="apartment").exists():
        if stdout:
            stdout.write("demo apartments: skipped (run the accounts and talents demos first)")
        return
    stock()
    second = open_batch()
    if Batch.objects.filter(name=FIRST).exists():
        if stdout:
            stdout.write("demo apartments: already there")
        return
    from apps.residency.demo import _archive_user

    admin, approver, clerk = users["admin_demo"], users["approver_demo"], users["clerk_demo"]
    today = timezone.localdate()
    first = services.batch_create(
        actor=admin,
        name=FIRST,
        opens_on=today - dt.timedelta(days=60),
        closes_on=today - dt.timedelta(days=20),
        units=_units_of([BUILDINGS[0][0], BUILDINGS[1][0]])[:40],
        eligible_categories=[],
        points_rule=POINTS_RULE,
    )
    # Imported talents with a confirmed employer and a verified category, never in an apartment case.
    verified = holdings_verified().values_list("talent_id", flat=True)
    candidates = list(
        Talent.objects.filter(user__isnull=True, employment_status=Talent.EmploymentStatus.CONFIRMED, pk__in=verified)
        .exclude(applications__service__code="apartment")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(POOL)
    chosen = sorted(rng.sample(candidates, min(POOL - 1, len(candidates))))
    filed_by = _archive_user()
    wants = [["1b", "2b"], ["2b", "1b"], ["2b"], ["1b"], ["2b", "1b"]]
    for n, talent in enumerate(Talent.objects.filter(pk__in=chosen).order_by("pk")):
        # Three applicants want a three-room flat too (so talent_demo always finds one free).
        layouts = ["3b", "2b"] if n < 3 else wants[n % len(wants)]
        _approved(talent, first, layouts, filed_by=filed_by, approver=approver)
    me = Talent.objects.get(user=users["talent_demo"])
    mine = _approved(me, first, ["2b", "3b"], filed_by=users["talent_demo"], approver=approver)

    services.batch_freeze(batch_id=first.pk, actor=admin)
    drawn_on = today - dt.timedelta(days=2)
    services.batch_draw(batch_id=first.pk, actor=admin, today=drawn_on)
    answered_on = today
    offers = list(Offer.objects.filter(batch=first).order_by("rank"))
    # The imported talents have no accounts: their answers came in at the service counter, recorded by
    # the clerk. Six in ten accept, one declines (its unit passes on), one never answers (expires).
    for i, offer in enumerate(offers):
        if offer.application_id == mine.pk:
            services.offer_accept(offer_id=offer.pk, user=users["talent_demo"], today=answered_on)
        elif i % 10 < 6:
            services.offer_accept(offer_id=offer.pk, user=clerk, today=answered_on, at_counter=True)
        elif i % 10 == 6:
            services.offer_decline(offer_id=offer.pk, user=clerk, today=answered_on, at_counter=True)
    late = max(o.respond_by for o in offers) + dt.timedelta(days=1)
    for i, offer in enumerate(offers):
        if offer.application_id != mine.pk and i % 10 == 7:
            services.offer_expire(offer_id=offer.pk, today=late)
    # One tenant moved out already; one asked to renew.
    leases = list(Lease.objects.filter(application__data__batch=first.pk).exclude(application=mine).order_by("pk"))
    if leases:
        services.lease_move_out(lease_id=leases[0].pk, actor=clerk, today=today)
    my_lease = Lease.objects.filter(application=mine).first()
    if my_lease is not None:
        services.lease_renewal_request(
            lease_id=my_lease.pk,
            user=users["talent_demo"],
            requested_end=services.add_months(my_lease.end, 12),
            note="工作合同续签，申请续租一年",
        )
        from apps.workflow import services as workflow_services

        workflow_services.application_act(
            application_id=mine.pk, action="fulfil", actor=clerk, inputs={"note": "已签订租约"}
        )
    if stdout:
        states = sorted(set(Offer.objects.filter(batch=first).values_list("status", flat=True)))
        stdout.write(
            f"demo apartments: {Unit.objects.count()} units; {first.name}: {first.entries.count()} drawn, "
            f"offers {', '.join(states)}; {second.name if second else ''} open"
        )
