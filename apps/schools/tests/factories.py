"""A small world for school-place tests: a district admin and staff, enterprises with HR and
employees (talents with accounts, employment confirmed), schools and an open round."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from apps.accounts import roles
from apps.enterprises.models import Quota
from apps.schools import services
from apps.schools.models import Nomination, Round, School
from apps.talents.models import Talent
from apps.talents.tests.factories import resident_id
from apps.workflow import services as workflow_services
from apps.workflow.tests import factories as wf

_seq = itertools.count(1)


def child_id(n: int) -> str:
    """A valid resident ID of a child born in 2019 (region 440105)."""
    return resident_id(n, region="440105", birth=dt.date(2019, 1, 1) + dt.timedelta(days=n % 300))


def school(stage: str = School.Stage.PRIMARY, name: str = "") -> School:
    n = next(_seq)
    return School.objects.create(name=name or f"海珠区测试第{n}小学", stage=stage, address=f"海珠区测试路{n}号")


def employee(enterprise: Any, name: str = "") -> Talent:
    """A talent with an account whose employment at ``enterprise`` is confirmed."""
    account = wf.talent_user(employer=enterprise, name=name or f"家长{next(_seq)}")
    return Talent.objects.get(user=account)


def quota(enterprise: Any, total: int, *, year: int | None = None, used: int = 0) -> Quota:
    return Quota.objects.create(
        enterprise=enterprise,
        kind=Quota.Kind.SCHOOL_PLACE,
        year=year or timezone.localdate().year,
        total=total,
        used=used,
    )


@dataclass
class World:
    admin: Any
    staff: dict[str, Any]
    enterprise: Any
    hr: Any
    other_enterprise: Any
    other_hr: Any
    schools: list[School]
    round: Round
    parents: list[Talent] = field(default_factory=list)


def world(*, capacities: tuple[int, ...] = (1, 1), quota_total: int = 5, parents: int = 4) -> World:
    staff = wf.staff_users()
    admin = staff[roles.DISTRICT_ADMIN]
    enterprise, other = wf.enterprise(), wf.enterprise()
    hr, other_hr = wf.hr_user(enterprise), wf.hr_user(other)
    quota(enterprise, quota_total)
    quota(other, quota_total)
    schools = [school() for _ in capacities]
    today = timezone.localdate()
    round_ = services.round_create(
        actor=admin,
        year=today.year,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=10),
        seats=[{"school": s.pk, "capacity": c} for s, c in zip(schools, capacities, strict=True)],
        name="测试轮次",
    )
    w = World(admin, staff, enterprise, hr, other, other_hr, schools, round_)
    w.parents = [employee(enterprise) for _ in range(parents)]
    return w


def nominate(w: World, parent: Talent, n: int, preferences: list[int] | None = None, **kwargs: Any) -> Nomination:
    return services.nomination_create(
        user=kwargs.pop("user", w.hr),
        round_id=kwargs.pop("round_id", w.round.pk),
        talent_id=parent.pk,
        child_name=kwargs.pop("child_name", f"子女{n}"),
        child_id_number=kwargs.pop("child_id_number", child_id(n)),
        entry_grade=kwargs.pop("entry_grade", 1),
        preferences=preferences if preferences is not None else [s.pk for s in w.schools],
    )


def verify(w: World, nomination: Nomination, *, approve: bool = True) -> Nomination:
    """Staff verify the nomination's application through the workflow: accept, recommend, approve."""
    application = nomination.application
    workflow_services.application_precheck(application_id=application.pk)
    # Filed and submitted at once by the nomination: the materials follow through 容缺受理.
    required = list(application.service.materials.filter(required=True).values_list("code", flat=True))
    wf.act(application.pk, "accept_with_missing", w.staff[roles.INTAKE_CLERK], missing_materials=required)
    wf.upload_required(application, w.hr)
    if approve:
        wf.act(application.pk, "recommend", w.staff[roles.REVIEWER])
        wf.act(application.pk, "approve", w.staff[roles.APPROVER])
    else:
        wf.act(application.pk, "reject", w.staff[roles.REVIEWER])
    nomination.refresh_from_db()
    return nomination
