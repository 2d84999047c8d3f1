"""The school-place demo: schools, this year's quotas (52 enterprises, 208 places) and a finished
round made through the real services; running it again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.accounts import demo as accounts_demo
from apps.enterprises import demo as enterprises_demo
from apps.enterprises.models import EnterpriseMember, Quota
from apps.schools import demo, matching, selectors
from apps.schools.models import Nomination, Round, School
from apps.talents import demo as talents_demo


@pytest.mark.django_db
def test_demo_round_is_finished_published_and_idempotent():
    for module in (accounts_demo, enterprises_demo, talents_demo, demo):
        module.seed(stdout=StringIO())
    year = timezone.localdate().year
    quotas = Quota.objects.filter(kind=Quota.Kind.SCHOOL_PLACE, year=year)
    assert quotas.count() == 52 and quotas.aggregate(total=Sum("total"))["total"] == 208
    hr_enterprise = EnterpriseMember.objects.get(user__username="hr_demo").enterprise_id
    mine = quotas.get(enterprise_id=hr_enterprise)
    assert 0 < mine.used < mine.total
    assert School.objects.count() == len(demo.SCHOOLS)
    round_ = Round.objects.get(year=year)
    assert round_.status == Round.Status.RUN
    statuses = set(Nomination.objects.filter(round=round_).values_list("status", flat=True))
    assert {"assigned", "unassigned", "withdrawn", "rejected"} <= statuses
    record = selectors.assignment_record(round_)
    students = [matching.Student(s["number"], s["priority"], tuple(s["preferences"])) for s in record["students"]]
    capacities = {s["id"]: s["capacity"] for s in record["schools"]}
    assert matching.deferred_acceptance(students, capacities, record["seed_hex"]) == record["assignment"]
    counts = (Nomination.objects.count(), Round.objects.count(), School.objects.count())
    demo.seed(stdout=StringIO())
    assert (Nomination.objects.count(), Round.objects.count(), School.objects.count()) == counts
