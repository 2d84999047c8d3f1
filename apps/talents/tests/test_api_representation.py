"""``TalentSerializer`` writes its fields out for speed (issue 10): it must render exactly what DRF's
generic path renders from the same declared fields — for imported and claimed records, with and
without an employer (claimed, confirmed, refused), categories verified or not, with and without an
evidence file — for district staff with and without the right to personal data, HR and finance,
in both languages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from apps.accounts import roles
from apps.talents import selectors
from apps.talents.api import TalentPersonalSerializer, TalentSerializer
from apps.talents.models import Talent
from apps.talents.tests.factories import HoldingFactory, TalentFactory, hold, resident_id
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db


def rendered(data) -> object:
    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def world():
    company = f.enterprise()
    people = [
        TalentFactory(),  # imported, no employer, no categories
        TalentFactory(employer=company, id_number=resident_id(7, region="650102", birth=dt.date(1949, 12, 31))),
        TalentFactory(employer=company, employment_status=Talent.EmploymentStatus.CLAIMED, phone=""),
        TalentFactory(
            employer=company,
            employment_status=Talent.EmploymentStatus.REFUSED,
            employment_refusal_reason="查无此人",
            employment_confirmed_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        ),
        f.talent_user(employer=company).talent_profile,  # claimed by an account
    ]
    hold(people[1], "academician")
    hold(people[1], "postdoc", verified=False)
    HoldingFactory(
        talent=people[4],
        evidence=SimpleUploadedFile("证书.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )
    callers = {
        "admin": f.user(roles.DISTRICT_ADMIN),
        "clerk": f.user(roles.INTAKE_CLERK),
        "finance": f.user(roles.FINANCE),
        "hr": f.hr_user(company),
    }
    return {"people": people, "callers": callers}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_written_out_equals_drf_generic(world, language):
    factory = APIRequestFactory()
    compared, personal = 0, 0
    with translation.override(language):
        for caller in world["callers"].values():
            request = factory.get("/api/v1/talents/")
            request.user = caller
            serializer_class = (
                TalentPersonalSerializer if selectors.can_view_personal_data(caller) else TalentSerializer
            )
            personal += serializer_class is TalentPersonalSerializer
            for talent in selectors.talents_visible_to(caller).filter(pk__in=[p.pk for p in world["people"]]):
                serializer = serializer_class(talent, context={"request": request})
                fast = rendered(serializer.to_representation(talent))
                generic = rendered(serializers.Serializer.to_representation(serializer, talent))
                assert fast == generic, (caller.username, talent.pk)
                assert list(fast) == list(serializer.fields)
                compared += 1
    # Staff see all five, HR its four employees (the claimed and refused ones too? as the selector says).
    assert compared >= 3 * len(world["people"])
    assert personal >= 1  # the district admin's rendering, with the ID and phone in clear, was compared
