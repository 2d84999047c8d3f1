"""Household registration spends an enterprise's indicator only for an employment the enterprise
confirmed (issue 8): a talent who writes a key enterprise into their own profile gets no slot of it,
and HR cannot apply for them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts import roles
from apps.core.exceptions import ValidationFailed
from apps.enterprises.models import Quota, QuotaMovement
from apps.enterprises.services import key_listing_set, quota_set_total
from apps.residency.models import RegistrationCard
from apps.talents.models import Talent
from apps.talents.services import employment_confirm, employment_refuse, talent_update
from apps.workflow import services
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

HUKOU = "hukou"


@pytest.fixture
def staff():
    return f.staff_users()


@pytest.fixture
def key_enterprise():
    """A key enterprise of this year with 5 indicators, and its HR user."""
    enterprise = f.enterprise("琶洲重点科技有限公司")
    year = timezone.localdate().year
    key_listing_set(enterprise=enterprise, year=year)
    quota_set_total(enterprise_id=enterprise.pk, kind=Quota.Kind.HUKOU_INDICATOR, year=year, total=5)
    enterprise.hr = f.hr_user(enterprise)
    return enterprise


@pytest.fixture
def claimant(key_enterprise):
    """A talent account who wrote the key enterprise into their own profile."""
    account = f.talent_user(name="吴自称")
    talent_update(talent=account.talent_profile, actor=account, employer=key_enterprise)
    return account


def used(enterprise) -> int:
    return Quota.objects.get(enterprise=enterprise, kind=Quota.Kind.HUKOU_INDICATOR).used


def test_a_self_declared_employer_spends_no_indicator_of_it(claimant, key_enterprise, staff):
    # When the talent applies themselves and is approved
    application = f.drive(f.draft(claimant, code=HUKOU), Status.APPROVED, applicant=claimant, staff=staff)

    # Then the enterprise's indicators are untouched: the claim was never confirmed
    assert application.enterprise_id is None
    assert "quota" not in application.result
    assert used(key_enterprise) == 0
    assert not QuotaMovement.objects.exists()


def test_hr_cannot_apply_for_a_talent_who_only_claims_to_work_there(claimant, key_enterprise, client_for):
    talent = Talent.objects.get(user=claimant)

    with pytest.raises(ValidationFailed) as error:
        services.application_create(user=key_enterprise.hr, service_code=HUKOU, talent_id=talent.pk)
    response = client_for(key_enterprise.hr).post(
        "/api/v1/applications/", {"service": HUKOU, "talent": talent.pk}, format="json"
    )

    assert list(error.value.as_data()) == ["talent"]
    assert response.status_code == 400 and "talent" in response.json()
    assert not talent.applications.exists()


def test_once_hr_confirms_it_applies_and_the_approval_spends_one_indicator(claimant, key_enterprise, staff):
    talent = employment_confirm(talent=Talent.objects.get(user=claimant), actor=key_enterprise.hr)
    hr = key_enterprise.hr

    application = f.drive(f.draft(hr, code=HUKOU, talent_id=talent.pk), Status.APPROVED, applicant=hr, staff=staff)

    assert application.enterprise_id == key_enterprise.pk
    assert application.result["quota"] == {"enterprise": key_enterprise.pk, "year": timezone.localdate().year}
    assert used(key_enterprise) == 1
    completed = services.application_act(
        application_id=application.pk, action="fulfil", actor=staff[roles.INTAKE_CLERK]
    )
    assert RegistrationCard.objects.get(application=completed).quota_enterprise_id == key_enterprise.pk


def test_a_claim_confirmed_before_submitting_counts_for_the_talents_own_application(claimant, key_enterprise, staff):
    draft = f.draft(claimant, code=HUKOU)
    assert draft.enterprise_id is None  # only a claim when the draft was made
    employment_confirm(talent=Talent.objects.get(user=claimant), actor=key_enterprise.hr)

    application = f.drive(draft, Status.APPROVED, applicant=claimant, staff=staff)

    assert application.enterprise_id == key_enterprise.pk
    assert used(key_enterprise) == 1


def test_an_employment_refused_before_the_approval_spends_nothing(claimant, key_enterprise, staff):
    hr = key_enterprise.hr
    talent = employment_confirm(talent=Talent.objects.get(user=claimant), actor=hr)
    application = f.drive(
        f.draft(hr, code=HUKOU, talent_id=talent.pk), Status.PENDING_APPROVAL, applicant=hr, staff=staff
    )
    assert application.enterprise_id == key_enterprise.pk
    employment_refuse(talent=talent, actor=hr, reason="已离职")

    approved = f.act(application.pk, "approve", staff[roles.APPROVER])

    # Decided as a case not employed by a key enterprise: approved, no indicator spent, and why.
    assert approved.status == Status.APPROVED
    assert approved.result == {"quota_skipped": "employment_not_confirmed"}
    assert used(key_enterprise) == 0
    assert not QuotaMovement.objects.exists()
    card_app = services.application_act(application_id=approved.pk, action="fulfil", actor=staff[roles.INTAKE_CLERK])
    card = RegistrationCard.objects.get(application=card_app)
    assert (card.quota_enterprise_id, card.quota_year) == (None, None)


def test_a_talent_who_named_another_employer_since_filing_spends_nothing(claimant, key_enterprise, staff):
    hr = key_enterprise.hr
    talent = employment_confirm(talent=Talent.objects.get(user=claimant), actor=hr)
    application = f.drive(
        f.draft(hr, code=HUKOU, talent_id=talent.pk), Status.PENDING_APPROVAL, applicant=hr, staff=staff
    )
    talent_update(talent=talent, actor=claimant, employer=f.enterprise("别家公司"))

    approved = f.act(application.pk, "approve", staff[roles.APPROVER])

    assert approved.result == {"quota_skipped": "employment_not_confirmed"}
    assert used(key_enterprise) == 0
