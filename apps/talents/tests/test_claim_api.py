"""Claiming an imported record: ``POST /talents/me/claim/`` and ``.../claim/confirm/``."""

from __future__ import annotations

import re

import pytest

from apps.accounts import roles
from apps.core.exceptions import Conflict, NotPermitted
from apps.core.sms import MemorySmsBackend
from apps.talents import services
from apps.talents.models import ProfileClaim, Talent, TalentProfileChange
from apps.talents.tests.factories import TalentFactory, resident_id

pytestmark = pytest.mark.django_db

CLAIM_URL = "/api/v1/talents/me/claim/"
CONFIRM_URL = "/api/v1/talents/me/claim/confirm/"
WRONG = {"code": ["验证码错误或已失效"]}
ENTERED = "已保存。如该身份证号码已有人才档案，验证码已发送至档案登记的手机，输入验证码即可关联该档案；档案没有登记手机的，由区人社局工作人员核实。"


def confirm_url(claim_id: int) -> str:
    return f"/api/v1/talents/me/claim/{claim_id}/confirm/"


def confirm(client, talent, code: str):
    return client.post(CONFIRM_URL, {"id_number": talent.id_number, "code": code}, format="json")


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

    assert started.status_code == 202, started.json()
    body = started.json()
    assert set(body) == {"detail", "expires_at"}
    assert body["detail"] == ENTERED
    # The code goes to the phone on the imported record, not to the claimant's own phone, and the
    # record's phone is never shown, not even masked.
    assert "5678" not in started.content.decode()
    assert [m.to for m in sms_outbox] == ["13912345678"]
    code = re.search(r"\d{6}", sms_outbox[0].body).group()

    confirmed = confirm(claimant_client, imported, code)

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
    start_claim(claimant_client, imported, django_capture_on_commit_callbacks)
    code = re.search(r"\d{6}", sms_outbox[0].body).group()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    answers = [confirm(claimant_client, imported, wrong) for _ in range(5)]

    assert [a.status_code for a in answers] == [400] * 5
    assert all(a.json() == WRONG for a in answers)
    assert ProfileClaim.objects.get().attempts == 5
    # Even the right code is refused now, with the same answer.
    late = confirm(claimant_client, imported, code)
    assert late.status_code == 400
    assert late.json() == WRONG
    assert ProfileClaim.objects.get().status == ProfileClaim.Status.EXPIRED
    imported.refresh_from_db()
    assert imported.user_id is None


def test_record_without_phone_is_confirmed_by_staff(
    claimant_client, claimant, make_user, sms_outbox, django_capture_on_commit_callbacks
):
    imported = TalentFactory(phone="", phone_hash=None)

    started = start_claim(claimant_client, imported, django_capture_on_commit_callbacks)

    assert started.status_code == 202
    assert started.json()["detail"] == ENTERED
    assert sms_outbox == []
    claim_id = ProfileClaim.objects.get().pk
    # No code exists for this claim: entering one answers as a wrong code.
    assert confirm(claimant_client, imported, "123456").json() == WRONG
    assert claimant_client.get("/api/v1/talents/me/").status_code == 404

    services.claim_confirm_by_staff(claim_id=claim_id, staff=make_user(roles.INTAKE_CLERK))

    imported.refresh_from_db()
    assert imported.user_id == claimant.pk
    assert claimant_client.get("/api/v1/talents/me/").json()["id"] == imported.pk


def test_staff_confirmation_needs_staff(make_user, claimant):
    imported = TalentFactory(phone="")
    services.claim_start(user=claimant, id_number=imported.id_number)
    claim = ProfileClaim.objects.get()

    with pytest.raises(NotPermitted):
        services.claim_confirm_by_staff(claim_id=claim.pk, staff=make_user(roles.ENTERPRISE_HR))

    imported.refresh_from_db()
    assert imported.user_id is None


def test_a_record_held_by_another_account_cannot_be_claimed(claimant_client, make_user, sms_outbox):
    owner = make_user(roles.TALENT)
    theirs = TalentFactory(user=owner, phone="13912345678")

    response = claimant_client.post(CLAIM_URL, {"id_number": theirs.id_number}, format="json")

    assert response.status_code == 202
    assert response.json()["detail"] == ENTERED
    assert ProfileClaim.objects.count() == 0
    assert sms_outbox == []
    assert confirm(claimant_client, theirs, "123456").json() == WRONG
    theirs.refresh_from_db()
    assert theirs.user_id == owner.pk


def test_unknown_or_invalid_resident_id(claimant_client):
    unknown = claimant_client.post(CLAIM_URL, {"id_number": resident_id(999)}, format="json")
    invalid = claimant_client.post(CLAIM_URL, {"id_number": "440105"}, format="json")

    assert unknown.status_code == 202
    assert unknown.json()["detail"] == ENTERED
    assert invalid.status_code == 400
    assert list(invalid.json()) == ["id_number"]
    assert ProfileClaim.objects.count() == 0


def test_nobody_confirms_another_users_claim(
    claimant_client, client_for, make_user, sms_outbox, django_capture_on_commit_callbacks
):
    imported = TalentFactory(phone="13912345678")
    start_claim(claimant_client, imported, django_capture_on_commit_callbacks)
    claim_id = ProfileClaim.objects.get().pk
    code = re.search(r"\d{6}", sms_outbox[0].body).group()
    intruder = client_for(make_user(roles.TALENT))

    by_number = confirm(intruder, imported, code)
    by_id = intruder.post(confirm_url(claim_id), {"code": code}, format="json")

    # the same answer as a wrong code: a claim's id tells nobody that a record matched
    assert by_number.json() == by_id.json() == WRONG
    imported.refresh_from_db()
    assert imported.user_id is None
    assert ProfileClaim.objects.get().attempts == 0


@pytest.mark.parametrize("role", [roles.ENTERPRISE_HR, roles.REVIEWER])
def test_only_talent_accounts_claim(client_for, make_user, role, sms_outbox):
    imported = TalentFactory()
    client = client_for(make_user(role))

    assert client.post(CLAIM_URL, {"id_number": imported.id_number}, format="json").status_code == 403
    assert client.post(confirm_url(1), {"code": "123456"}, format="json").status_code == 403
    assert client.post(CONFIRM_URL, {"id_number": imported.id_number, "code": "1"}, format="json").status_code == 403
    assert ProfileClaim.objects.count() == 0
    assert sms_outbox == []


def test_an_account_with_a_profile_cannot_claim_another(claimant_client, claimant):
    TalentFactory(user=claimant)
    other = TalentFactory()

    response = claimant_client.post(CLAIM_URL, {"id_number": other.id_number}, format="json")

    assert response.status_code == 409
    assert ProfileClaim.objects.count() == 0
    assert Talent.objects.get(pk=other.pk).user_id is None


@pytest.mark.usefixtures("cache_backend")
def test_claim_starts_are_rate_limited(claimant_client, sms_outbox, django_capture_on_commit_callbacks):
    imported = TalentFactory(phone="13912345678")

    answers = [start_claim(claimant_client, imported, django_capture_on_commit_callbacks) for _ in range(6)]

    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert len(sms_outbox) == 5
    # Each new start closes the previous one: one pending claim at a time.
    assert ProfileClaim.objects.filter(status=ProfileClaim.Status.PENDING).count() == 1


# --- An account whose own profile has no resident ID yet (a placeholder) ------------------------


def code_from(sms_outbox) -> str:
    return re.search(r"\d{6}", sms_outbox[-1].body).group()


def placeholder_for(client, **fields) -> Talent:
    response = client.put(ME_URL, {"name": "李华", **fields}, format="json")
    assert response.status_code == 201, response.json()
    return Talent.objects.get(pk=response.json()["id"])


ME_URL = "/api/v1/talents/me/"


def test_a_profile_without_resident_id_can_claim_and_is_replaced_by_the_record(
    claimant_client, claimant, sms_outbox, django_capture_on_commit_callbacks
):
    # given an imported record, and a profile the talent PUT before entering a resident ID
    imported = TalentFactory(name="李华", phone="13912345678")
    placeholder = placeholder_for(claimant_client, categories=["postdoc"], degree="博士")
    # when the talent enters the record's resident ID on the profile: a claim, its code to the record's phone
    with django_capture_on_commit_callbacks(execute=True):
        entered = claimant_client.patch(ME_URL, {"id_number": imported.id_number}, format="json")
    assert entered.status_code == 202
    assert entered.json()["detail"] == ENTERED
    assert entered.json()["id"] == placeholder.pk
    assert [m.to for m in sms_outbox] == ["13912345678"]

    # and enters the code
    confirmed = confirm(claimant_client, imported, code_from(sms_outbox))

    # then the record is the account's profile and the placeholder is gone
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["id"] == imported.pk
    imported.refresh_from_db()
    assert imported.user_id == claimant.pk
    assert not Talent.objects.filter(pk=placeholder.pk).exists()
    assert list(Talent.objects.filter(user=claimant).values_list("pk", flat=True)) == [imported.pk]
    assert claimant_client.get(ME_URL).json()["id"] == imported.pk
    assert ProfileClaim.objects.get().status == ProfileClaim.Status.CONFIRMED
    # and the record's history says which profile it replaced
    history = TalentProfileChange.objects.get(talent=imported, source="claim")
    assert history.actor_id == claimant.pk
    assert history.changes == {
        "user": [None, claimant.pk],
        "replaced_profile": [{"id": placeholder.pk, "name": "李华", "categories": ["postdoc"]}, None],
    }


def test_staff_confirm_a_claim_from_a_placeholder_profile(claimant, make_user):
    imported = TalentFactory(phone="", phone_hash=None)
    placeholder = TalentFactory(user=claimant, id_number="", id_number_hash=None, birth_date=None)
    services.claim_start(user=claimant, id_number=imported.id_number)
    claim = ProfileClaim.objects.get()
    clerk = make_user(roles.INTAKE_CLERK)

    services.claim_confirm_by_staff(claim_id=claim.pk, staff=clerk)

    imported.refresh_from_db()
    assert imported.user_id == claimant.pk
    assert not Talent.objects.filter(pk=placeholder.pk).exists()
    history = TalentProfileChange.objects.get(talent=imported, source="claim")
    assert history.actor_id == clerk.pk
    assert history.changes["replaced_profile"] == [
        {"id": placeholder.pk, "name": placeholder.name, "categories": []},
        None,
    ]


def test_a_placeholder_with_an_application_cannot_start_a_claim(claimant_client, claimant, sms_outbox):
    from apps.workflow.tests import factories as wf

    imported = TalentFactory(phone="13912345678")
    placeholder = placeholder_for(claimant_client)
    wf.service()
    application = wf.draft(claimant)

    response = claimant_client.post(CLAIM_URL, {"id_number": imported.id_number}, format="json")

    assert response.status_code == 409
    assert "请联系区人社局工作人员" in response.json()["detail"]
    assert ProfileClaim.objects.count() == 0
    assert sms_outbox == []
    imported.refresh_from_db()
    assert imported.user_id is None
    assert Talent.objects.get(user=claimant).pk == placeholder.pk
    assert application.__class__.objects.get().applicant_id == placeholder.pk


def test_an_application_made_after_the_claim_started_stops_its_completion(
    claimant_client, claimant, sms_outbox, django_capture_on_commit_callbacks
):
    from apps.workflow.tests import factories as wf

    imported = TalentFactory(phone="13912345678")
    placeholder = placeholder_for(claimant_client)
    start_claim(claimant_client, imported, django_capture_on_commit_callbacks)
    wf.service()
    wf.draft(claimant)
    history_before = TalentProfileChange.objects.count()

    # proven by the code: only then is the conflict told
    response = confirm(claimant_client, imported, code_from(sms_outbox))

    assert response.status_code == 409
    assert "请联系区人社局工作人员" in response.json()["detail"]
    imported.refresh_from_db()
    assert imported.user_id is None
    assert Talent.objects.get(user=claimant).pk == placeholder.pk
    claim = ProfileClaim.objects.get()
    assert (claim.status, claim.attempts) == (ProfileClaim.Status.PENDING, 0)
    assert TalentProfileChange.objects.count() == history_before


def test_a_placeholder_that_gained_a_resident_id_meanwhile_cannot_complete(claimant, make_user):
    imported = TalentFactory(phone="")
    placeholder = TalentFactory(user=claimant, id_number="", id_number_hash=None, birth_date=None)
    services.claim_start(user=claimant, id_number=imported.id_number)
    claim = ProfileClaim.objects.get()
    services.talent_update(talent=placeholder, actor=claimant, id_number=resident_id(777))

    with pytest.raises(Conflict, match="此账户已有人才档案"):
        services.claim_confirm_by_staff(claim_id=claim.pk, staff=make_user(roles.INTAKE_CLERK))

    imported.refresh_from_db()
    assert imported.user_id is None
    assert Talent.objects.get(user=claimant).pk == placeholder.pk
    assert ProfileClaim.objects.get().status == ProfileClaim.Status.PENDING


def test_a_shortage_introduction_of_the_placeholder_moves_to_the_claimed_record(claimant, make_user):
    from apps.enterprises.models import ShortageIntroduction
    from apps.enterprises.tests.factories import EnterpriseFactory

    imported = TalentFactory(phone="")
    placeholder = TalentFactory(user=claimant, id_number="", id_number_hash=None, birth_date=None)
    introduction = ShortageIntroduction.objects.create(enterprise=EnterpriseFactory(), talent=placeholder, year=2024)
    services.claim_start(user=claimant, id_number=imported.id_number)
    claim = ProfileClaim.objects.get()

    services.claim_confirm_by_staff(claim_id=claim.pk, staff=make_user(roles.INTAKE_CLERK))

    introduction.refresh_from_db()
    assert introduction.talent_id == imported.pk


def test_a_placeholder_other_records_protect_is_left_alone(claimant, make_user, monkeypatch):
    from django.db.models import ProtectedError

    imported = TalentFactory(phone="")
    placeholder = TalentFactory(user=claimant, id_number="", id_number_hash=None, birth_date=None)
    services.claim_start(user=claimant, id_number=imported.id_number)
    claim = ProfileClaim.objects.get()

    def protected(self, *args, **kwargs):
        raise ProtectedError("referenced", set())

    monkeypatch.setattr(Talent, "delete", protected)

    with pytest.raises(Conflict, match="已被其他记录引用"):
        services.claim_confirm_by_staff(claim_id=claim.pk, staff=make_user(roles.INTAKE_CLERK))

    imported.refresh_from_db()
    assert imported.user_id is None
    assert Talent.objects.get(user=claimant).pk == placeholder.pk
    assert ProfileClaim.objects.get().status == ProfileClaim.Status.PENDING
