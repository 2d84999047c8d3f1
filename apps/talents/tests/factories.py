from __future__ import annotations

import datetime as dt

import factory
from stdnum.cn import ric

from apps.core import crypto
from apps.talents.models import Talent, TalentCategory, TalentCategoryHolding


def resident_id(n: int, *, region: str = "440106", birth: dt.date | None = None) -> str:
    """A valid resident ID, different for every ``n`` (region 440106: never a demo seed's)."""
    birth = birth or dt.date(1960, 1, 1) + dt.timedelta(days=(n * 37) % 14000)
    first17 = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    # stdnum wants the check position present (any character) and ignores it.
    return first17 + ric.calc_check_digit(first17 + "0")


def mobile(n: int) -> str:
    return f"166{n:08d}"


class TalentFactory(factory.django.DjangoModelFactory):
    """An imported record (no account) with a valid resident ID and phone."""

    class Meta:
        model = Talent

    name = factory.Sequence(lambda n: f"测试人才{n}")
    id_number = factory.Sequence(resident_id)
    id_number_hash = factory.LazyAttribute(lambda o: crypto.pii_hash(o.id_number) if o.id_number else None)
    phone = factory.Sequence(mobile)
    phone_hash = factory.LazyAttribute(lambda o: crypto.pii_hash(o.phone) if o.phone else None)
    birth_date = factory.LazyAttribute(
        lambda o: (
            dt.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14])) if o.id_number else None
        )
    )
    education = Talent.Education.DOCTORATE
    employer = None
    # An employer given to the factory is one staff recorded: confirmed (pass employment_status="claimed"
    # for a talent's own word).
    employment_status = factory.LazyAttribute(lambda o: Talent.EmploymentStatus.CONFIRMED if o.employer else "")


class HoldingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TalentCategoryHolding

    talent = factory.SubFactory(TalentFactory)
    category = factory.LazyFunction(lambda: TalentCategory.objects.get(code="academician"))
    year = 2018
    verified = True


def hold(talent: Talent, *codes: str, verified: bool = True) -> None:
    for code in codes:
        HoldingFactory(talent=talent, category=TalentCategory.objects.get(code=code), verified=verified)
