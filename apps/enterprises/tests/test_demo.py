"""``seed_demo``: the enterprises (the figures themselves are checked in apps/reports)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from stdnum.cn import uscc

from apps.core.identifiers import credit_code_validate
from apps.enterprises.demo import enterprise_specs
from apps.enterprises.models import Enterprise, EnterpriseMember, KeyEnterpriseListing, Quota

pytestmark = pytest.mark.django_db


def test_demo_credit_codes_are_valid_and_unique():
    codes = [spec.credit_code for spec in enterprise_specs()]

    assert len(codes) == len(set(codes)) == 520 + 38 + 20
    for code in codes:
        assert credit_code_validate(code) == code
        assert uscc.is_valid(code)


def test_hr_demo_accounts_belong_to_two_key_enterprises_with_quotas():
    call_command("seed_demo", stdout=StringIO())
    year = timezone.localdate().year

    members = {m.user.username: m.enterprise for m in EnterpriseMember.objects.select_related("user", "enterprise")}

    assert set(members) == {"hr_demo", "hr_demo2"}
    assert members["hr_demo"] != members["hr_demo2"]
    for enterprise in members.values():
        assert KeyEnterpriseListing.objects.filter(enterprise=enterprise, year=year).exists()
        kinds = set(Quota.objects.filter(enterprise=enterprise, year=year).values_list("kind", flat=True))
        assert kinds == {"hukou_indicator", "school_place"}
        assert enterprise.talents.exists()
    school = Quota.objects.filter(kind="school_place", year=year)
    assert (school.count(), sum(q.total for q in school)) == (52, 208)
    zones = set(Enterprise.objects.values_list("zone", flat=True))
    assert "琶洲互联网创新集聚区" in zones
