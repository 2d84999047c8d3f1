"""Claiming an imported record: ``POST /talents/me/claim/`` and ``.../claim/{id}/confirm/``."""

from __future__ import annotations

import re

import pytest

from apps.accounts import roles
from apps.core.exceptions import NotPermitted
from apps.core.sms import MemorySmsBackend
from apps.talents import services
from apps.talents.models import ProfileClaim, Talent, TalentProfileChange
from apps.talents.tests.factories import TalentFactory, resident_id

pytestmark = pytest.mark.django_db

CLAIM_URL = "/api/v1/talents/me/claim/"


def confirm_url(claim_id: int) -> str:
    return f"/api/v1/talents/me/claim/{claim_id}/confirm/"


@pytest.fixture(autouse=True)
def sms_outbox():
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def claimant(make_user):
    return make_user(roles.TALENT, phone="13700001111")


@pytest.fixture
def claimant_client(client_for, claimant):
    return client_for(claimant)


def start_claim(client, talent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(CLAIM_URL, {"id_number": talent.id_number}, format="json")


def test_claim_with_the_code_sent_to_the_records_phone(
    claimant_client, claimant, sms_outbox, django_capture_on_commit_callbacks
):
    imported = TalentFactory(phone="13912345678")

    started = start_claim(claimant_client, imported, django_capture_on_commit_callbacks)

    assert started.status_code == 201, started.json()
    body = started.json()
    assert body["sent_to"] == "139****5678"
    assert body["claim_id"] == ProfileClaim.objects.get().pk
    # The code goes to the phone on the imported record, not to the claimant's own phone.
    assert [m.to for m in sms_outbox] == ["13912345678"]
    code = re.search(r"\d{6}", sms_outbox[0].body).group()

    confirmed = claimant_client.post(confirm_url(body["claim_id"]), {"code": code}, format="json")

    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["id"] == imported.pk
    assert confirmed.json()["id_number_masked"] == imported.id_number_masked
    imported.refresh_from_db()
    assert imported.user_id == claimant.pk
    assert ProfileClaim.objects.get().status == ProfileClaim.Status.CONFIRMED
    history = TalentProfileChange.objects.filter(talent=imported, source="claim").get()
    assert history.changes == {"user": [None, claimant.pk]}
    assert claimant_client.get("/api/v1/talents/me/").json()["id"] == imported.pk


def test_wrong_codes_are_counted_and_the_fifth_closes_the_claim(
    claimant_client, claimant, sms_outbox, django_capture_on_commit_callbacks
):
    imported = TalentFactory(phone="13912345678")
    claim_id = start_claim(claimant_client, imported, django_capture_on_commit_callbacks).json()["claim_id"]
    code = re.search(r"\d{6}", sms_outbox[0].body).group()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    answers = [claimant_client.post(confirm_url(claim_id), {"code": wrong}, format="json") for _ in range(5)]

    assert [a.status_code for a in answers] == [400] * 5
    assert answers[0].json() == {"code": ["验证码错误 / wrong code"]}
    assert ProfileClaim.objects.get().attempts == 5
    # Even the right code is refused now.
    late = claimant_client.post(confirm_url(claim_id), {"code": code}, format="json")
    assert late.status_code == 409
    assert ProfileClaim.objects.get().status == ProfileClaim.Status.EXPIRED
    imported.refresh_from_db()
    assert imported.user_id is None


def test_record_without_phone_is_confirmed_by_staff(
    claimant_client, claimant, make_user, sms_outbox, django_capture_on_commit_callbacks
):
    imported = TalentFactory(phone="", phone_hash=None)

    started = start_claim(claimant_client, imported, django_capture_on_commit_callbacks)

    assert started.status_code == 201
    assert started.json()["sent_to"] is None
    assert sms_outbox == []
    claim_id = started.json()["claim_id"]
    # No code exists for this claim: entering one is a state conflict.
    assert claimant_client.post(confirm_url(claim_id), {"code": "123456"}, format="json").status_code == 409
    assert claimant_client.get("/api/v1/talents/me/").status_code == 404

    services.claim_confirm_by_staff(claim_id=claim_id, staff=make_user(roles.INTAKE_CLERK))

    imported.refresh_from_db()
    assert imported.user_id == claimant.pk
    assert claimant_client.get("/api/v1/talents/me/").json()["id"] == imported.pk


def test_staff_confirmation_needs_staff(make_user, claimant):
    imported = TalentFactory(phone="")
    claim = services.claim_start(user=claimant, id_number=imported.id_number)

    with pytest.raises(NotPermitted):
        services.claim_confirm_by_staff(claim_id=claim.pk, staff=make_user(roles.ENTERPRISE_HR))

    imported.refresh_from_db()
    assert imported.user_id is None


def test_a_record_held_by_another_account_cannot_be_claimed(claimant_client, make_user):
    owner = make_user(roles.TALENT)
    theirs = TalentFactory(user=owner)

    response = claimant_client.post(CLAIM_URL, {"id_number": theirs.id_number}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["id_number"]
    assert ProfileClaim.objects.count() == 0
    theirs.refresh_from_db()
    assert theirs.user_id == owner.pk


def test_unknown_or_invalid_resident_id(claimant_client):
    unknown = claimant_client.post(CLAIM_URL, {"id_number": resident_id(999)}, format="json")
    invalid = claimant_client.post(CLAIM_URL, {"id_number": "440105"}, format="json")

    assert unknown.status_code == 404
    assert invalid.status_code == 400
    assert list(invalid.json()) == ["id_number"]
    assert ProfileClaim.objects.count() == 0


def test_nobody_confirms_another_users_claim(
    claimant_client, client_for, make_user, sms_outbox, django_capture_on_commit_callbacks
):
    imported = TalentFactory(phone="13912345678")
    claim_id = start_claim(claimant_client, imported, django_capture_on_commit_callbacks).json()["claim_id"]
    code = re.search(r"\d{6}", sms_outbox[0].body).group()
    intruder = client_for(make_user(roles.TALENT))

    response = intruder.post(confirm_url(claim_id), {"code": code}, format="json")

    assert response.status_code == 404
    imported.refresh_from_db()
    assert imported.user_id is None
    assert ProfileClaim.objects.get().attempts == 0


@pytest.mark.parametrize("role", [roles.ENTERPRISE_HR, roles.REVIEWER])
def test_only_talent_accounts_claim(client_for, make_user, role, sms_outbox):
    imported = TalentFactory()
    client = client_for(make_user(role))

    assert client.post(CLAIM_URL, {"id_number": imported.id_number}, format="json").status_code == 403
    assert client.post(confirm_url(1), {"code": "123456"}, format="json").status_code == 403
    assert ProfileClaim.objects.count() == 0
    assert sms_outbox == []


def test_an_account_with_a_profile_cannot_claim_another(claimant_client, claimant):
    TalentFactory(user=claimant)
    other = TalentFactory()

    response = claimant_client.post(CLAIM_URL, {"id_number": other.id_number}, format="json")

    assert response.status_code == 409
    assert ProfileClaim.objects.count() == 0
    assert Talent.objects.get(pk=other.pk).user_id is None


def test_claim_starts_are_rate_limited(claimant_client, sms_outbox, django_capture_on_commit_callbacks):
    imported = TalentFactory(phone="13912345678")

    answers = [start_claim(claimant_client, imported, django_capture_on_commit_callbacks) for _ in range(6)]

    assert [a.status_code for a in answers] == [201] * 5 + [429]
    assert len(sms_outbox) == 5
    # Each new start closes the previous one: one pending claim at a time.
    assert ProfileClaim.objects.filter(status=ProfileClaim.Status.PENDING).count() == 1
