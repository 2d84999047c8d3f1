from __future__ import annotations

import random

import factory

from apps.enterprises.demo import credit_code_generate
from apps.enterprises.models import Enterprise, KeyEnterpriseListing, Quota


def _credit_code(n: int) -> str:
    # Region 440106 (Tianhe): never one of the demo seed's codes (440105).
    return credit_code_generate(random.Random(n), region="440106")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"广州测试{n}科技有限公司")
    credit_code = factory.Sequence(_credit_code)
    industry = "软件和信息服务"
    zone = "琶洲互联网创新集聚区"


class KeyEnterpriseListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyEnterpriseListing

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2026


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quota

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = Quota.Kind.HUKOU_INDICATOR
    year = 2026
    total = 10
    used = 0
