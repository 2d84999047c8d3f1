"""Demo talent records with the seed document's figures, as if imported by district staff.

High-level talents, each counted once under the highest category held (some hold lower ones too):
8 academicians, 148 千人计划, 38 万人计划, 162 广东特支计划, 54 other high-level (410 people);
8 postdocs; 272 shortage talents introduced by 97 key enterprises. ``talent_demo`` owns a claimed
profile. Resident IDs and phones are real-shaped and unique, generated from fixed seeds; records
are keyed by the resident ID's keyed hash, so running it again creates nothing new.

The imported records' employers are confirmed, as staff entered them. ``talent_demo`` named its
employer itself after claiming its record: that employment is a claim waiting for ``hr_demo`` (of
that enterprise) to confirm or refuse on ``/hr/``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.utils import timezone
from stdnum.cn import ric

from apps.core import crypto
from apps.core.identifiers import phone_mask, resident_id_mask, resident_id_parse

from . import services
from .models import ProfileClaim, Talent, TalentCategory, TalentCategoryHolding, TalentProfileChange

# category code → (people whose highest category it is, birth years, extra lower categories some hold)
HIGH_LEVEL = [
    ("academician", 8, (1950, 1965), [("thousand_talents", 3), ("guangdong_special", 2)]),
    ("thousand_talents", 148, (1960, 1985), [("guangdong_special", 20), ("other_high_level", 10)]),
    ("ten_thousand_talents", 38, (1962, 1985), [("guangdong_special", 8)]),
    ("guangdong_special", 162, (1965, 1990), [("other_high_level", 15)]),
    ("other_high_level", 54, (1965, 1992), []),
]
POSTDOCS = 8
SHORTAGE_TALENTS = 272
SHORTAGE_ENTERPRISES = 97

ISSUING_BODIES = {
    "academician": ["中国科学院", "中国工程院"],
    "thousand_talents": ["中共中央组织部"],
    "ten_thousand_talents": ["中共中央组织部"],
    "guangdong_special": ["中共广东省委组织部"],
    "other_high_level": ["广州市委人才工作领导小组", "广东省人力资源和社会保障厅"],
    "postdoc": ["全国博士后管理委员会"],
    "shortage": ["广州市海珠区人力资源和社会保障局"],
}

# Real region codes (GB/T 2260): Guangzhou districts first, then where talents come from.
REGIONS = [
    "440105", "440103", "440104", "440106", "440111", "440112", "440113", "440304", "440604", "440507",
    "441402", "440803", "110108", "310104", "420111", "430104", "510107", "610113", "230103", "320106",
    "330106", "340104", "350203", "370102", "410105", "450103", "360702", "430407",
]  # fmt: skip
MOBILE_PREFIXES = [
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "158",
    "159",
    "177",
    "180",
    "186",
    "188",
    "189",
    "199",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈钟卢姜崔谭廖邱骆麦"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志宏文博思远晓东海燕嘉欣子轩雨涵俊杰梓浩颖琳"
FIELDS = [
    "人工智能", "集成电路", "生物医药", "计算机科学", "材料科学", "海洋科学", "金融工程", "工业设计",
    "数字媒体", "临床医学", "环境工程", "机械工程", "通信工程", "化学工程", "软件工程", "会展经济",
]  # fmt: skip

TALENT_DEMO = {
    "username": "talent_demo",
    "name": "陈晓明",
    "id_number_first17": "44010519920315002",
    "phone": "13800138000",
    "category": "district_young",
}


@dataclass
class Person:
    name: str
    id_number: str
    phone: str
    education: str
    degree: str
    field: str
    employer_code: str
    categories: list[str] = dataclasses.field(default_factory=list)  # highest first
    introduced_by: str | None = None  # credit code, for shortage talents


class _Identities:
    """Unique, valid resident IDs and mobile numbers from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: set[str] = set()
        self.phones: set[str] = {"13800138000", "13900139001", "13900139002"}  # the demo accounts'

    def resident_id(self, years: tuple[int, int]) -> str:
        rng = self.rng
        while True:
            birth = dt.date(rng.randint(*years), 1, 1) + dt.timedelta(days=rng.randrange(365))
            first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
            number = first17 + ric.calc_check_digit(first17 + "0")  # the check position must be present
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given


@lru_cache(maxsize=1)
def people() -> tuple[Person, ...]:
    """The demo records, always the same."""
    from apps.enterprises.demo import key_company_codes

    rng = random.Random(2018)
    make = _Identities(rng)
    companies = key_company_codes()
    result: list[Person] = []
    for code, count, years, extras in HIGH_LEVEL:
        group = []
        for i in range(count):
            # The two demo HR enterprises get a few of each, so their HR users see people.
            employer = companies[i % 2] if i < 4 else rng.choice(companies)
            group.append(
                Person(
                    name=make.name(),
                    id_number=make.resident_id(years),
                    phone=make.phone(),
                    education="doctorate",
                    degree="博士",
                    field=rng.choice(FIELDS),
                    employer_code=employer,
                    categories=[code],
                )
            )
        for extra, n in extras:
            for person in rng.sample(group, n):
                person.categories.append(extra)
        result += group
    for _ in range(POSTDOCS):
        result.append(
            Person(
                name=make.name(),
                id_number=make.resident_id((1985, 1996)),
                phone=make.phone(),
                education="doctorate",
                degree="博士",
                field=rng.choice(FIELDS),
                employer_code=rng.choice(companies),
                categories=["postdoc"],
            )
        )
    introducers = rng.sample(companies, SHORTAGE_ENTERPRISES)
    for i in range(SHORTAGE_TALENTS):
        # Every one of the 97 enterprises introduced at least one.
        employer = introducers[i] if i < SHORTAGE_ENTERPRISES else rng.choice(introducers)
        education = rng.choice(["master", "master", "bachelor", "doctorate"])
        result.append(
            Person(
                name=make.name(),
                id_number=make.resident_id((1975, 2000)),
                phone=make.phone(),
                education=education,
                degree={"doctorate": "博士", "master": "硕士", "bachelor": "学士"}[education],
                field=rng.choice(FIELDS),
                employer_code=employer,
                categories=["shortage"],
                introduced_by=employer,
            )
        )
    return tuple(result)


def _records(persons: tuple[Person, ...], enterprises: dict[str, int], staff=None) -> dict[str, int]:
    """Create the records not there yet, each with its history row; → {id_number_hash: id}. Their
    employers are confirmed (by ``staff``), as an import by district staff records them."""
    hashes = {p.id_number: crypto.pii_hash(p.id_number) for p in persons}
    now = timezone.now()
    existing = set(Talent.objects.filter(id_number_hash__in=hashes.values()).values_list("id_number_hash", flat=True))
    new = []
    for p in persons:
        if hashes[p.id_number] in existing:
            continue
        parsed = resident_id_parse(p.id_number)
        employer_id = enterprises.get(p.employer_code)
        new.append(
            Talent(
                name=p.name,
                id_number=p.id_number,
                id_number_hash=hashes[p.id_number],
                birth_date=parsed.birth_date,
                sex=parsed.sex,
                phone=p.phone,
                phone_hash=crypto.pii_hash(p.phone),
                education=p.education,
                degree=p.degree,
                field=p.field,
                employer_id=employer_id,
                employment_status=Talent.EmploymentStatus.CONFIRMED if employer_id else "",
                employment_confirmed_by=staff if employer_id else None,
                employment_confirmed_at=now if employer_id else None,
            )
        )
    Talent.objects.bulk_create(new, batch_size=500)
    ids = dict(Talent.objects.filter(id_number_hash__in=hashes.values()).values_list("id_number_hash", "id"))
    TalentProfileChange.objects.bulk_create(
        [
            TalentProfileChange(
                talent_id=ids[t.id_number_hash],
                source="import",
                changes={
                    "name": [None, t.name],
                    "id_number": [None, resident_id_mask(t.id_number)],
                    "phone": [None, phone_mask(t.phone)],
                    "employer": [None, t.employer_id],
                    "employment_status": [None, t.employment_status or None],
                },
            )
            for t in new
        ],
        batch_size=500,
    )
    return ids


def _holdings(persons: tuple[Person, ...], ids: dict[str, int], verifier, rng: random.Random) -> None:
    categories = dict(TalentCategory.objects.values_list("code", "id"))
    talent_ids = list(ids.values())
    held = set(TalentCategoryHolding.objects.filter(talent_id__in=talent_ids).values_list("talent_id", "category_id"))
    now = timezone.now()
    new = []
    for p in persons:
        talent_id = ids[crypto.pii_hash(p.id_number)]
        for code in p.categories:
            year = rng.randint(2008, 2018)
            body = rng.choice(ISSUING_BODIES[code])
            if (talent_id, categories[code]) in held:
                continue
            new.append(
                TalentCategoryHolding(
                    talent_id=talent_id,
                    category_id=categories[code],
                    year=year,
                    issuing_body=body,
                    verified=True,
                    verified_by=verifier,
                    verified_at=now,
                )
            )
    TalentCategoryHolding.objects.bulk_create(new, batch_size=500)


def _introductions(persons: tuple[Person, ...], ids: dict[str, int], enterprises: dict[str, int], rng) -> None:
    from apps.enterprises.models import ShortageIntroduction

    talent_ids = list(ids.values())
    have = set(ShortageIntroduction.objects.filter(talent_id__in=talent_ids).values_list("enterprise_id", "talent_id"))
    new = []
    for p in persons:
        if p.introduced_by is None:
            continue
        year, position = (
            rng.choice([2016, 2017, 2018]),
            rng.choice(["高级工程师", "算法工程师", "产品总监", "研发经理", "数据分析师"]),
        )
        key = (enterprises[p.introduced_by], ids[crypto.pii_hash(p.id_number)])
        if key not in have:
            new.append(ShortageIntroduction(enterprise_id=key[0], talent_id=key[1], year=year, position=position))
    ShortageIntroduction.objects.bulk_create(new, batch_size=500)


def _talent_demo(staff, enterprises: dict[str, int]) -> None:
    """``talent_demo``'s own record: imported, then claimed and confirmed by staff; then talent_demo
    names its employer, a claim for that enterprise's HR (hr_demo) to confirm."""
    User = get_user_model()
    user = User.objects.filter(username=TALENT_DEMO["username"]).first()
    if user is None or Talent.objects.filter(user=user).exists():
        return
    first17 = TALENT_DEMO["id_number_first17"]
    number = first17 + ric.calc_check_digit(first17 + "0")  # the check position must be present
    talent = Talent.objects.filter(id_number_hash=crypto.pii_hash(number)).first()
    if talent is None:
        talent = services.talent_create(
            source="import",
            name=TALENT_DEMO["name"],
            id_number=number,
            phone=TALENT_DEMO["phone"],
            email="talent_demo@example.cn",
            education="master",
            degree="硕士",
            field="人工智能",
        )
        services.holding_set(
            talent=talent,
            category_code=TALENT_DEMO["category"],
            year=2018,
            issuing_body="海珠区人才工作领导小组",
            source="import",
        )
    if talent.user_id is None and staff is not None:
        claim = ProfileClaim.objects.create(
            talent=talent, user=user, expires_at=timezone.now() + services.CLAIM_CODE_TTL
        )
        talent = services.claim_confirm_by_staff(claim_id=claim.pk, staff=staff)
    if talent.user_id is not None and talent.employer_id is None:
        from apps.enterprises.demo import key_company_codes

        # Named by talent_demo itself on its profile: a claim for hr_demo's enterprise to answer.
        services.talent_update(talent=talent, actor=user, source="api", employer=enterprises[key_company_codes()[0]])


def seed(stdout=None) -> None:
    from apps.enterprises.models import Enterprise

    persons = people()
    enterprises = dict(Enterprise.objects.values_list("credit_code", "id"))
    staff = get_user_model().objects.filter(username="admin_demo").first()
    ids = _records(persons, enterprises, staff)
    _holdings(persons, ids, staff, random.Random(2019))
    _introductions(persons, ids, enterprises, random.Random(2020))
    _talent_demo(staff, enterprises)
    if stdout:
        stdout.write(f"demo talents: {len(persons)} imported records; talent_demo has a claimed profile")
