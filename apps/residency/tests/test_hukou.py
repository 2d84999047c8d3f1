"""Household registration: approval spends the key enterprise's indicator quota; fulfil issues the card."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone
from stdnum.cn import ric

from apps.accounts import roles
from apps.enterprises.models import Quota, QuotaMovement
from apps.enterprises.services import enterprise_create, enterprise_member_set, key_listing_set, quota_set_total
from apps.residency.models import RegistrationCard
from apps.talents.services import talent_create
from apps.workflow import services
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.tests.factories import upload_required
from tests.test_application_flow_helpers import valid_credit_code

pytestmark = pytest.mark.django_db

_ids = itertools.count(200)
_codes = itertools.count(10)


def resident_id() -> str:
    first17 = f"44010419880808{next(_ids):03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # it reads the first 17 of 18


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(roles.INTAKE_CLERK),
        "reviewer": make_user(roles.REVIEWER),
        "approver": make_user(roles.APPROVER),
    }


@pytest.fixture
def employer(make_user):
    """``employer(key=True, quota=1)`` → (enterprise, its HR user)."""

    def _make(*, key: bool, quota: int | None = None):
        enterprise = enterprise_create(
            name=f"广州海珠测试企业{next(_codes)}有限公司",
            credit_code=valid_credit_code(f"9144010570800{next(_codes):02d}"),
        )
        year = timezone.localdate().year
        if key:
            key_listing_set(enterprise=enterprise, year=year)
        if quota is not None:
            quota_set_total(enterprise_id=enterprise.pk, kind=Quota.Kind.HUKOU_INDICATOR, year=year, total=quota)
        hr = make_user(roles.ENTERPRISE_HR)
        enterprise_member_set(user=hr, enterprise=enterprise)
        return enterprise, hr

    return _make


def pending_approval(enterprise, hr, staff) -> Application:
    talent = talent_create(name="黄志远", id_number=resident_id(), phone="13600001234", employer=enterprise)
    app = services.application_create(user=hr, service_code="hukou", talent_id=talent.pk)
    upload_required(app, hr)  # a plain accept needs every required material
    services.application_act(application_id=app.pk, action="submit", actor=hr)
    services.application_precheck(application_id=app.pk)
    services.application_act(application_id=app.pk, action="accept", actor=staff["clerk"])
    services.application_act(application_id=app.pk, action="recommend", actor=staff["reviewer"])
    return Application.objects.get(pk=app.pk)


def approve(app, staff):
    return services.application_act(application_id=app.pk, action="approve", actor=staff["approver"])


def test_approval_at_a_key_enterprise_spends_one_indicator(employer, staff):
    enterprise, hr = employer(key=True, quota=2)
    app = approve(pending_approval(enterprise, hr, staff), staff)

    quota = Quota.objects.get(enterprise=enterprise)
    assert (quota.used, quota.total) == (1, 2)
    movement = QuotaMovement.objects.get(quota=quota)
    assert (movement.delta, movement.reference, movement.actor) == (1, app.number, staff["approver"])
    assert app.result["quota"] == {"enterprise": enterprise.pk, "year": timezone.localdate().year}


@pytest.mark.parametrize("quota", [1, None], ids=["quota-used-up", "no-quota-allocated"])
def test_approval_without_a_slot_left_is_409_and_changes_nothing(employer, staff, client_for, quota):
    enterprise, hr = employer(key=True, quota=quota)
    if quota:
        approve(pending_approval(enterprise, hr, staff), staff)  # takes the last slot
    app = pending_approval(enterprise, hr, staff)
    events = ApplicationEvent.objects.filter(application=app).count()
    movements = QuotaMovement.objects.count()

    r = client_for(staff["approver"]).post(f"/api/v1/applications/{app.pk}/actions/approve/", {}, format="json")

    assert r.status_code == 409
    assert "detail" in r.json()
    after = Application.objects.get(pk=app.pk)
    assert (after.status, after.decided_at, after.result) == ("pending_approval", None, {})
    assert after.deadline == app.deadline
    assert ApplicationEvent.objects.filter(application=app).count() == events
    assert QuotaMovement.objects.count() == movements
    assert list(Quota.objects.filter(enterprise=enterprise).values_list("used", "total")) == ([(1, 1)] if quota else [])


def test_an_employer_not_on_the_key_list_spends_nothing(employer, staff):
    enterprise, hr = employer(key=False, quota=1)  # a quota, but not listed this year

    app = approve(pending_approval(enterprise, hr, staff), staff)

    assert app.status == "approved"
    assert "quota" not in app.result
    assert Quota.objects.get(enterprise=enterprise).used == 0
    assert not QuotaMovement.objects.exists()


def test_fulfil_issues_the_registration_card(employer, staff):
    enterprise, hr = employer(key=True, quota=1)
    app = approve(pending_approval(enterprise, hr, staff), staff)

    app = services.application_act(application_id=app.pk, action="fulfil", actor=staff["clerk"])

    card = RegistrationCard.objects.get(application=app)
    today = timezone.localdate()
    assert card.number == f"RH{today.year}{app.pk:08d}"
    assert (card.talent_id, card.issued_on, card.quota_year, card.quota_enterprise) == (
        app.applicant_id,
        today,
        today.year,
        enterprise,
    )
    assert app.status == "completed" and app.completed_at is not None
    assert app.result["card_number"] == card.number


def test_fulfil_for_a_non_key_employer_issues_a_card_without_quota(employer, staff):
    enterprise, hr = employer(key=False)
    app = approve(pending_approval(enterprise, hr, staff), staff)

    app = services.application_act(application_id=app.pk, action="fulfil", actor=staff["clerk"])

    card = RegistrationCard.objects.get(application=app)
    assert card.quota_year is None and card.quota_enterprise is None
