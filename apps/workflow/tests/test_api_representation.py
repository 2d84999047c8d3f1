"""The applications' serializers write their fields out (``to_representation``) for speed (issue 10):
that must render exactly what DRF's generic path renders from the same declared fields — for
applications in every state, filed by a talent or by HR, and for every kind of caller (the
applicant, the filing HR user, each staff role), in both languages."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory
from stdnum.cn import ric

from apps.accounts import roles
from apps.talents.services import talent_update
from apps.workflow import selectors, services
from apps.workflow.api import ApplicationDetailSerializer, ApplicationSerializer
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

STATES = [
    Status.DRAFT,
    Status.PRE_REVIEW,
    Status.RETURNED,
    Status.UNDER_REVIEW,
    Status.PENDING_APPROVAL,
    Status.APPROVED,
    Status.COMPLETED,
    Status.REJECTED,
    Status.WITHDRAWN,
]


def rendered(data) -> object:
    return json.loads(JSONRenderer().render(data))


# Real-shaped resident IDs (check digit computed): a Beijing woman born 1949, a Guangzhou man born
# 2001, a Xinjiang man born 1990; a sequence number each so no two talents share one.
BODIES = ["11010519491231", "44010620010815", "65010219900101"]


def resident_id(n: int) -> str:
    body = f"{BODIES[n % len(BODIES)]}{n:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def world():
    f.service()
    staff = f.staff_users()
    company = f.enterprise()
    hr = f.hr_user(company)
    talents = []

    def talent(n: int):
        account = f.talent_user(employer=company)
        talent_update(
            talent=account.talent_profile, source="admin", id_number=resident_id(len(talents)), phone="13800138000"
        )
        talents.append(account)
        return account

    applications = [f.application_in(status, applicant=talent(n), staff=staff) for n, status in enumerate(STATES)]
    applications.append(f.draft(hr, talent_id=talent(0).talent_profile.pk))
    # An accepted-with-missing case: missing_materials set and a supplement deadline running.
    applicant = talent(1)
    with_missing = f.draft(applicant)
    f.upload_required(with_missing, applicant)
    f.act(with_missing.pk, "submit", applicant)
    services.application_precheck(application_id=with_missing.pk)
    applications.append(f.act(with_missing.pk, "accept_with_missing", staff[roles.INTAKE_CLERK]))
    return {"applications": applications, "callers": [talents[0], hr, *staff.values()]}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("serializer_class", [ApplicationSerializer, ApplicationDetailSerializer])
def test_written_out_equals_drf_generic(world, serializer_class, language):
    factory = APIRequestFactory()
    compared = 0
    with translation.override(language):
        for caller in world["callers"]:
            request = factory.get("/api/v1/applications/")
            request.user = caller
            for application in world["applications"]:
                # As the list and the detail fetch their rows.
                visible = selectors.applications_listed(selectors.applications_visible_to(caller))
                row = visible.filter(pk=application.pk).first()
                if row is None:
                    continue  # not the caller's to see (an HR user sees what they filed)
                serializer = serializer_class(row, context={"request": request})
                fast = rendered(serializer.to_representation(row))
                generic = rendered(serializers.Serializer.to_representation(serializer, row))
                assert fast == generic, (caller.username, application.status)
                assert list(fast) == list(serializer.fields)
                compared += 1
    # Staff see every application, the talent theirs, the HR user the one they filed.
    assert compared == (len(world["callers"]) - 2) * len(world["applications"]) + 1 + 1
    # The comparison is not vacuous: the states and callers differ where it matters.
    statuses = {a.status for a in world["applications"]}
    assert {Status.DRAFT, Status.COMPLETED, Status.UNDER_REVIEW} <= statuses
