"""Demo school places (优质学位), through the real services: ten Haizhu schools, and this year's first
round finished — nominations by the enterprises' HR, verified by the demo staff through the
workflow, run and published. The 52 enterprises with this year's ``school_place`` quotas (208
places) come from ``apps.enterprises.demo``; the two demo HR accounts' enterprises get places moved
to them from the enterprises with the most free (still 208 in all) and nominate — ``hr_demo``'s two
children, keeping places left for the demo; ``hr_demo2``'s twelve, one withdrawn and one rejected.
More children want the popular schools than they have seats, so some stay unassigned.

Run after ``apps.residency.demo``. Idempotent: schools are matched by name, and once this year's
demo round exists nothing more is added.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F, Q
from django.utils import timezone
from stdnum.cn import ric

from apps.core import crypto
from apps.enterprises.models import Enterprise, EnterpriseMember, Quota
from apps.enterprises.services import quota_set_total
from apps.talents.models import Talent
from apps.talents.services import talent_create
from apps.workflow import services as workflow_services
from apps.workflow.demo import PDF_BYTES, PNG_BYTES
from apps.workflow.models import Application

from . import services
from .models import Nomination, Round, RoundSeat, School

# name, stage, address, seats in the demo round
SCHOOLS = [
    ("海珠区实验小学", School.Stage.PRIMARY, "海珠区江南大道中246号", 2),
    ("海珠区第二实验小学", School.Stage.PRIMARY, "海珠区新港西路155号", 1),
    ("海珠区琶洲实验小学", School.Stage.PRIMARY, "海珠区琶洲大道东8号", 2),
    ("海珠区昌岗东路小学", School.Stage.PRIMARY, "海珠区昌岗东路48号", 1),
    ("海珠区宝玉直实验小学", School.Stage.PRIMARY, "海珠区宝岗大道宝玉直街1号", 2),
    ("海珠区菩提路小学", School.Stage.PRIMARY, "海珠区菩提路30号", 2),
    ("海珠区南武实验中学", School.Stage.JUNIOR, "海珠区同福中路324号", 1),
    ("海珠区第五中学（初中部）", School.Stage.JUNIOR, "海珠区前进路桂田街1号", 1),
    ("海珠区绿翠现代实验学校（初中部）", School.Stage.JUNIOR, "海珠区工业大道中389号", 2),
    ("海珠区中大附属实验中学", School.Stage.JUNIOR, "海珠区新港西路135号", 2),
]
ROUND_NAME = "{year}年优质学位第一轮"
# (HR account, places its enterprise holds at least, children it nominates): hr_demo keeps places left.
NOMINATORS = [("hr_demo", 5, 2), ("hr_demo2", 14, 12)]
POPULAR_PRIMARY = 4  # the first four primary schools are everyone's choices: more children than seats
STAFF = ("clerk_demo", "reviewer_demo", "approver_demo", "admin_demo")
_SURNAMES = "陈李黄张梁林刘吴罗何郑谢冯周杨邓许朱曾彭"
_GIVEN = ["子涵", "梓轩", "欣怡", "浩然", "雨桐", "俊熙", "诗琪", "宇航", "可馨", "嘉懿", "铭泽", "若曦"]


def _schools() -> list[School]:
    found = []
    for name, stage, address, _ in SCHOOLS:
        school, _created = School.objects.get_or_create(name=name, defaults={"stage": stage, "address": address})
        found.append(school)
    return found


def _resident_id(rng: random.Random, birth: dt.date, region: str = "440105") -> str:
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def _parents(enterprise: Enterprise, wanted: int, rng: random.Random) -> list[Talent]:
    """Confirmed employees with no school-place application yet; more are added when there are too few."""
    pool = list(
        Talent.objects.filter(employer=enterprise, employment_status=Talent.EmploymentStatus.CONFIRMED)
        .exclude(applications__service__code=services.SERVICE_CODE)
        .order_by("pk")[:wanted]
    )
    while len(pool) < wanted:
        birth = dt.date(rng.randint(1978, 1990), rng.randint(1, 12), rng.randint(1, 28))
        id_number = _resident_id(rng, birth, region="440106")
        # A mainland mobile like every imported record's (the 166 range: never a real subscriber's here).
        phone = f"1669{rng.randint(0, 9_999_999):07d}"
        if Talent.objects.filter(
            Q(id_number_hash=crypto.pii_hash(id_number)) | Q(phone_hash=crypto.pii_hash(phone))
        ).exists():
            continue
        pool.append(
            talent_create(
                actor=None,
                source="admin",
                name=rng.choice(_SURNAMES) + rng.choice(["建国", "志强", "晓峰", "丽华", "海燕", "文博", "静怡"]),
                id_number=id_number,
                phone=phone,
                employer=enterprise,
            )
        )
    return pool


def _verify(application_id: int, staff: dict[str, Any], hr: Any, *, reject: bool = False) -> None:
    """The demo staff verify a nomination's application: the materials follow through 容缺受理."""
    application = Application.objects.select_related("service").get(pk=application_id)
    workflow_services.application_precheck(application_id=application_id)
    materials = list(application.service.materials.filter(required=True))
    workflow_services.application_act(
        application_id=application_id,
        action="accept_with_missing",
        actor=staff["clerk_demo"],
        inputs={"missing_materials": [m.code for m in materials], "problems": [], "supplement_days": 5},
    )
    if reject:
        workflow_services.application_act(
            application_id=application_id,
            action="reject",
            actor=staff["reviewer_demo"],
            inputs={"reason": "子女不符合本轮入学年龄要求"},
        )
        return
    for m in materials:
        png = m.accepted_types and "pdf" not in m.accepted_types
        upload = SimpleUploadedFile(
            f"{m.code}.{'png' if png else 'pdf'}",
            PNG_BYTES if png else PDF_BYTES,
            content_type="image/png" if png else "application/pdf",
        )
        workflow_services.attachment_upload(application_id=application_id, user=hr, material_code=m.code, upload=upload)
    workflow_services.application_act(
        application_id=application_id, action="recommend", actor=staff["reviewer_demo"], inputs={"note": "材料齐全"}
    )
    workflow_services.application_act(
        application_id=application_id, action="approve", actor=staff["approver_demo"], inputs={"note": "同意"}
    )


def _room(enterprise_id: int | None, year: int, places: int) -> None:
    """The enterprise gets at least ``places`` school places, moved from the enterprise with the most
    places free: the 52 enterprises still hold 208 places in all."""
    mine = Quota.objects.filter(enterprise_id=enterprise_id, kind=Quota.Kind.SCHOOL_PLACE, year=year).first()
    if mine is None or mine.total >= places:
        return
    while mine.total < places:
        donor = (
            Quota.objects.filter(kind=Quota.Kind.SCHOOL_PLACE, year=year)
            .exclude(pk=mine.pk)
            .order_by(F("used") - F("total"), "pk")
            .first()
        )
        moved = min(places - mine.total, donor.total - donor.used - 1) if donor else 0
        if donor is None or moved <= 0:
            return
        quota_set_total(enterprise_id=donor.enterprise_id, kind=donor.kind, year=year, total=donor.total - moved)
        mine = quota_set_total(enterprise_id=mine.enterprise_id, kind=mine.kind, year=year, total=mine.total + moved)


def seed(stdout=None) -> None:
    schools = _schools()
    today = timezone.localdate()
    year = today.year
    name = ROUND_NAME.format(year=year)
    staff = {u.username: u for u in get_user_model().objects.filter(username__in=STAFF)}
    if Round.objects.filter(year=year, name=name).exists() or len(staff) < len(STAFF):
        if stdout:
            stdout.write(f"demo school places: {len(schools)} schools; round {name} already there (or no staff)")
        return
    round_ = services.round_create(
        actor=staff["admin_demo"],
        year=year,
        opens_on=today - dt.timedelta(days=20),
        closes_on=today,
        seats=[{"school": s.pk, "capacity": spec[3]} for s, spec in zip(schools, SCHOOLS, strict=True)],
        name=name,
    )
    rng = random.Random(year * 13)
    members = {
        m.user.username: m
        for m in EnterpriseMember.objects.select_related("user", "enterprise").filter(
            user__username__in=[n[0] for n in NOMINATORS]
        )
    }
    primary = [s.pk for s in schools if s.stage == School.Stage.PRIMARY][:POPULAR_PRIMARY]
    junior = [s.pk for s in schools if s.stage == School.Stage.JUNIOR]
    made = 0
    for username, places, wanted in NOMINATORS:
        member = members.get(username)
        if member is None:
            continue
        _room(member.enterprise_id, year, places)
        for n, parent in enumerate(_parents(member.enterprise, wanted, rng)):
            grade = 7 if n % 4 == 3 else 1
            birth = dt.date(year - (6 if grade == 1 else 12), rng.randint(1, 8), rng.randint(1, 28))
            nomination = services.nomination_create(
                user=member.user,
                round_id=round_.pk,
                talent_id=parent.pk,
                child_name=parent.name[0] + rng.choice(_GIVEN),
                child_id_number=_resident_id(rng, birth),
                entry_grade=grade,
                preferences=rng.sample(primary if grade == 1 else junior, 3),
            )
            made += 1
            assert nomination.application_id is not None
            if username == "hr_demo2" and n == 0:
                services.nomination_withdraw(user=member.user, nomination_id=nomination.pk)
            elif username == "hr_demo2" and n == 1:
                _verify(nomination.application_id, staff, member.user, reject=True)
            else:
                _verify(nomination.application_id, staff, member.user)
    services.round_run(round_id=round_.pk, actor=staff["admin_demo"])
    assigned = Nomination.objects.filter(round=round_, status=Nomination.Status.ASSIGNED).count()
    seats = sum(RoundSeat.objects.filter(round=round_).values_list("capacity", flat=True))
    if stdout:
        stdout.write(
            f"demo school places: {len(schools)} schools; {name}: {made} nominations, {assigned} assigned "
            f"to {seats} seats, run and published"
        )
