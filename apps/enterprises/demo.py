"""Demo enterprises with the seed document's figures: 520 companies on this year's key-enterprise
service list (重点企业服务名录), 38 incubators (561,700 m², 249 graduated firms), 20 maker spaces (9
national-level), and the two demo HR accounts' enterprises with this year's quotas.

Everything is generated from fixed random seeds, keyed by credit code: running it again creates
nothing new and changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.utils import timezone
from stdnum.cn import uscc

from apps.core.identifiers import credit_code_validate

from . import services
from .models import Enterprise, EnterpriseMember, KeyEnterpriseListing, Quota

KEY_COMPANIES = 520
INCUBATORS = 38
INCUBATOR_FLOOR_AREA_M2 = 561_700
INCUBATOR_GRADUATED_FIRMS = 249
MAKER_SPACES = 20
MAKER_SPACES_NATIONAL = 9
# 优质学位: 208 places for key talents of 52 enterprises.
SCHOOL_PLACE_ENTERPRISES = 52
SCHOOL_PLACES = 208
HUKOU_ENTERPRISES = 60

HR_DEMO_ACCOUNTS = [("hr_demo", 0, "人力资源部经理"), ("hr_demo2", 1, "人事专员")]

# Haizhu's innovation zones, most key enterprises in Pazhou.
ZONES = [
    ("琶洲互联网创新集聚区", 40),
    ("中大国际创新生态谷", 14),
    ("海珠创新湾", 12),
    ("广州T.I.T创意园", 9),
    ("琶洲会展商务区", 8),
    ("工业大道创意产业带", 7),
    ("沥滘—洛溪新城", 5),
    ("江南西商圈", 5),
]

# industry, the name endings companies in it use
INDUSTRIES = [
    ("互联网与云计算", ["网络科技有限公司", "信息技术有限公司", "云计算科技有限公司"]),
    ("人工智能", ["智能科技有限公司", "人工智能研究院有限公司"]),
    ("数字创意与游戏", ["数字娱乐有限公司", "文化传播有限公司", "互动娱乐有限公司"]),
    ("电子商务", ["电子商务有限公司", "跨境电商有限公司"]),
    ("会展服务", ["会展服务有限公司", "展览策划有限公司"]),
    ("生物医药与健康", ["生物科技有限公司", "医药科技有限公司", "医疗器械有限公司"]),
    ("金融科技", ["金融信息服务有限公司", "数据科技有限公司"]),
    ("现代物流与供应链", ["供应链管理有限公司", "物流科技有限公司"]),
    ("智能制造", ["智能装备有限公司", "自动化科技有限公司"]),
    ("工程设计咨询", ["工程设计咨询有限公司", "建筑设计有限公司"]),
    ("软件和信息服务", ["软件有限公司", "信息系统有限公司"]),
]

_FIRST = "云智星海珠琶粤鸿创数联汇博锐启拓越华信卓睿恒航达优极乐新源悦"
_SECOND = "帆途图动链芯享行擎翼瞳象影游研康港湾桥城邦融安盛景维讯泰岚"


@dataclass(frozen=True)
class EnterpriseSpec:
    name: str
    credit_code: str
    industry: str
    zone: str
    kind: str
    is_national: bool = False
    floor_area_m2: Decimal = Decimal("0")
    graduated_firms: int = 0


def _organisation_code(rng: random.Random) -> str:
    """Eight digits and the GB 11714 check character."""
    body = f"{rng.randrange(10**8):08d}"
    remainder = 11 - sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(remainder, str(remainder))


def credit_code_generate(rng: random.Random, *, region: str = "440105", prefix: str = "91") -> str:
    """A GB 32100 code: registration authority and entity type, region, organisation code, check."""
    first17 = prefix + region + _organisation_code(rng)
    return credit_code_validate(first17 + uscc.calc_check_digit(first17))


def _partition(rng: random.Random, total: int, parts: int, low: int, high: int, step: int = 1) -> list[int]:
    """``parts`` numbers between ``low`` and ``high`` (multiples of ``step``) adding up to ``total``."""
    while True:
        values = [rng.randint(low // step, high // step) * step for _ in range(parts - 1)]
        last = total - sum(values)
        if low <= last <= high and last % step == 0:
            return [*values, last]


@lru_cache(maxsize=1)
def enterprise_specs() -> tuple[EnterpriseSpec, ...]:
    """The demo enterprises, always the same: key companies first (their order is relied on)."""
    rng = random.Random(20180)
    codes: set[str] = set()

    def new_code() -> str:
        while True:
            code = credit_code_generate(rng)
            if code not in codes:
                codes.add(code)
                return code

    brands = [a + b for a in _FIRST for b in _SECOND]
    rng.shuffle(brands)
    zone_names = [z for z, _ in ZONES]
    zone_weights = [w for _, w in ZONES]
    specs: list[EnterpriseSpec] = []
    for brand in brands[:KEY_COMPANIES]:
        industry, endings = rng.choice(INDUSTRIES)
        specs.append(
            EnterpriseSpec(
                name=f"广州{brand}{rng.choice(endings)}",
                credit_code=new_code(),
                industry=industry,
                zone=rng.choices(zone_names, zone_weights)[0],
                kind=Enterprise.Kind.COMPANY,
            )
        )
    areas = _partition(rng, INCUBATOR_FLOOR_AREA_M2, INCUBATORS, 4_000, 26_000, step=100)
    graduated = _partition(rng, INCUBATOR_GRADUATED_FIRMS, INCUBATORS, 1, 12)
    for i, brand in enumerate(brands[KEY_COMPANIES : KEY_COMPANIES + INCUBATORS]):
        specs.append(
            EnterpriseSpec(
                name=f"广州{brand}科技企业孵化器有限公司",
                credit_code=new_code(),
                industry="科技企业孵化服务",
                zone=rng.choices(zone_names, zone_weights)[0],
                kind=Enterprise.Kind.INCUBATOR,
                is_national=i < 6,
                floor_area_m2=Decimal(areas[i]),
                graduated_firms=graduated[i],
            )
        )
    start = KEY_COMPANIES + INCUBATORS
    for i, brand in enumerate(brands[start : start + MAKER_SPACES]):
        specs.append(
            EnterpriseSpec(
                name=f"{brand}众创空间（广州）有限公司",
                credit_code=new_code(),
                industry="众创空间服务",
                zone=rng.choices(zone_names, zone_weights)[0],
                kind=Enterprise.Kind.MAKER_SPACE,
                is_national=i < MAKER_SPACES_NATIONAL,
                floor_area_m2=Decimal(rng.randint(8, 40) * 100),
            )
        )
    return tuple(specs)


def key_company_codes() -> list[str]:
    return [s.credit_code for s in enterprise_specs() if s.kind == Enterprise.Kind.COMPANY][:KEY_COMPANIES]


def _enterprises(specs: tuple[EnterpriseSpec, ...]) -> dict[str, int]:
    existing = dict(
        Enterprise.objects.filter(credit_code__in=[s.credit_code for s in specs]).values_list("credit_code", "id")
    )
    missing = [
        Enterprise(
            name=s.name,
            credit_code=s.credit_code,
            industry=s.industry,
            zone=s.zone,
            kind=s.kind,
            is_national=s.is_national,
            floor_area_m2=s.floor_area_m2,
            graduated_firms=s.graduated_firms,
        )
        for s in specs
        if s.credit_code not in existing
    ]
    Enterprise.objects.bulk_create(missing, batch_size=500)
    return dict(
        Enterprise.objects.filter(credit_code__in=[s.credit_code for s in specs]).values_list("credit_code", "id")
    )


def _listings(ids: list[int], *, year: int, officers: list) -> int:
    listed = set(
        KeyEnterpriseListing.objects.filter(year=year, enterprise_id__in=ids).values_list("enterprise_id", flat=True)
    )
    new = [
        KeyEnterpriseListing(
            enterprise_id=pk, year=year, service_officer=officers[i % len(officers)] if officers else None
        )
        for i, pk in enumerate(ids)
        if pk not in listed
    ]
    KeyEnterpriseListing.objects.bulk_create(new, batch_size=500)
    return len(new)


def _quotas(key_ids: list[int], *, year: int, rng: random.Random) -> int:
    wanted: list[tuple[int, str, int]] = []
    school = _partition(rng, SCHOOL_PLACES, SCHOOL_PLACE_ENTERPRISES, 1, 7)
    wanted += [(key_ids[i], Quota.Kind.SCHOOL_PLACE, n) for i, n in enumerate(school)]
    wanted += [(key_ids[i], Quota.Kind.HUKOU_INDICATOR, rng.randint(3, 15)) for i in range(HUKOU_ENTERPRISES)]
    have = set(Quota.objects.filter(year=year, enterprise_id__in=key_ids).values_list("enterprise_id", "kind"))
    new = [Quota(enterprise_id=pk, kind=kind, year=year, total=n) for pk, kind, n in wanted if (pk, kind) not in have]
    Quota.objects.bulk_create(new)
    return len(new)


def _hr_members(key_ids: list[int]) -> None:
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[a[0] for a in HR_DEMO_ACCOUNTS])}
    for username, index, title in HR_DEMO_ACCOUNTS:
        user = users.get(username)
        if user is None:
            continue
        member = EnterpriseMember.objects.filter(user=user).first()
        if member is None or member.enterprise_id != key_ids[index]:
            services.enterprise_member_set(user=user, enterprise=Enterprise.objects.get(pk=key_ids[index]), title=title)


def seed(stdout=None) -> None:
    year = timezone.localdate().year
    specs = enterprise_specs()
    ids = _enterprises(specs)
    key_ids = [ids[code] for code in key_company_codes()]
    officers = list(
        get_user_model()
        .objects.filter(username__in=["clerk_demo", "reviewer_demo", "approver_demo"])
        .order_by("username")
    )
    _listings(key_ids, year=year, officers=officers)
    # Most were on last year's list too: the figures count this year's list only.
    _listings(key_ids[:480], year=year - 1, officers=officers)
    _quotas(key_ids, year=year, rng=random.Random(year))
    _hr_members(key_ids)
    if stdout:
        stdout.write(
            f"demo enterprises: {KEY_COMPANIES} on the {year} key-enterprise list, {INCUBATORS} incubators, "
            f"{MAKER_SPACES} maker spaces; hr_demo and hr_demo2 with {year} quotas"
        )
