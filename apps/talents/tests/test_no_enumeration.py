"""Entering someone else's resident ID tells nothing about the talent database (issue 8).

The attack: ``PUT /api/v1/talents/me/`` (or ``claim/``) with another person's resident ID answered
three different ways — exists and unclaimed (409), held by another account (400), unknown (saved) —
without a rate limit, and ``claim/`` showed the record's masked phone. Now the three answer alike,
no phone is ever shown, and the tries are limited per account and per address.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.accounts import roles
from apps.core.crypto import pii_hash
from apps.core.identifiers import resident_id_mask
from apps.talents.models import ProfileClaim, Talent
from apps.talents.tests.factories import TalentFactory, resident_id

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/talents/me/"
CLAIM_URL = "/api/v1/talents/me/claim/"
PROFILE_PAGE = "/my/profile/"
RECORD_PHONE = "13912345678"


@pytest.fixture
def three_numbers(make_user):
    """An unclaimed imported record with a phone, a record another account holds, a number nobody has."""
    unclaimed = TalentFactory(phone=RECORD_PHONE)
    held = TalentFactory(user=make_user(roles.TALENT), phone="13912340000")
    return {"unclaimed": unclaimed.id_number, "held": held.id_number, "unknown": resident_id(4242)}


def comparable(response) -> tuple[int, dict]:
    """The status and the body but for what differs between any two accounts and numbers (their own
    record's id and time, the number entered)."""
    body = dict(response.json())
    for key in ("id", "updated_at", "expires_at", "id_number_masked"):
        body.pop(key, None)
    return response.status_code, body


def test_the_profile_answers_the_same_for_a_known_a_held_and_an_unknown_resident_id(
    make_user, client_for, three_numbers, sms_outbox, django_capture_on_commit_callbacks
):
    held_by = Talent.objects.get(id_number_hash=pii_hash(three_numbers["held"])).user_id
    answers = {}
    for kind, number in three_numbers.items():
        client = client_for(make_user(roles.TALENT))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.put(ME_URL, {"name": "李华", "id_number": number}, format="json")
        answers[kind] = response
        # the number shown is the one entered, masked, whatever became of it
        assert response.json().pop("id_number_masked") == resident_id_mask(number)
        # never another person's phone, not even masked
        assert "5678" not in response.content.decode() and "0000" not in response.content.decode()

    assert answers["unclaimed"].status_code == 202
    assert comparable(answers["unclaimed"]) == comparable(answers["held"]) == comparable(answers["unknown"])
    # what happened behind the answer: the unknown number was saved, the unclaimed record's phone got
    # a code (the claim), the held record is untouched
    assert Talent.objects.filter(id_number_hash__isnull=False, user__isnull=False).count() == 2
    assert [m.to for m in sms_outbox] == [RECORD_PHONE]
    assert ProfileClaim.objects.get().talent.id_number == three_numbers["unclaimed"]
    assert Talent.objects.get(id_number_hash=pii_hash(three_numbers["unclaimed"])).user_id is None
    assert Talent.objects.get(id_number_hash=pii_hash(three_numbers["held"])).user_id == held_by


def test_claim_answers_the_same_for_a_known_a_held_and_an_unknown_resident_id(
    make_user, client_for, three_numbers, sms_outbox, django_capture_on_commit_callbacks
):
    answers = {}
    for kind, number in three_numbers.items():
        client = client_for(make_user(roles.TALENT))
        with django_capture_on_commit_callbacks(execute=True):
            answers[kind] = client.post(CLAIM_URL, {"id_number": number}, format="json")
        assert "5678" not in answers[kind].content.decode()

    assert answers["unclaimed"].status_code == 202
    assert comparable(answers["unclaimed"]) == comparable(answers["held"]) == comparable(answers["unknown"])
    assert set(answers["unknown"].json()) == {"detail", "expires_at"}
    assert [m.to for m in sms_outbox] == [RECORD_PHONE]


def test_confirming_answers_the_same_for_a_known_a_held_and_an_unknown_resident_id(
    make_user, client_for, three_numbers, django_capture_on_commit_callbacks
):
    answers = []
    for number in three_numbers.values():
        client = client_for(make_user(roles.TALENT))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(CLAIM_URL, {"id_number": number}, format="json")
        # five wrong codes, then one more: the same 400 every time, for every number
        answers.append(
            [
                comparable(
                    client.post(
                        "/api/v1/talents/me/claim/confirm/", {"id_number": number, "code": "000000"}, format="json"
                    )
                )
                for _ in range(6)
            ]
        )
    assert answers[0] == answers[1] == answers[2] == [(400, {"code": ["验证码错误或已失效"]})] * 6


def test_a_saved_resident_id_is_not_changed_by_the_talent(make_user, client_for, three_numbers):
    talent = make_user(roles.TALENT)
    client = client_for(talent)
    mine = resident_id(4343)
    assert client.put(ME_URL, {"name": "李华", "id_number": mine}, format="json").status_code == 202

    # the same number again: an ordinary save, not an entry
    again = client.put(ME_URL, {"name": "李华", "id_number": mine}, format="json")
    assert again.status_code == 200
    # another number, whatever is on record for it: 400, nothing changes
    for number in three_numbers.values():
        response = client.patch(ME_URL, {"id_number": number}, format="json")
        assert response.status_code == 400
        assert response.json() == {"id_number": ["身份证号码已登记，如需更正请联系区人社局工作人员"]}
    assert Talent.objects.get(user=talent).id_number == mine
    assert ProfileClaim.objects.count() == 0


@pytest.mark.usefixtures("cache_backend")
def test_entering_resident_ids_is_limited_per_account(make_user, client_for, sms_outbox):
    client = client_for(make_user(roles.TALENT))
    records = [TalentFactory(phone=f"139000000{n:02d}") for n in range(6)]

    answers = [
        client.put(ME_URL, {"name": "李华", "id_number": r.id_number}, format="json").status_code for r in records[:3]
    ] + [client.post(CLAIM_URL, {"id_number": r.id_number}, format="json").status_code for r in records[3:]]

    # the profile and the claim count together: five an hour
    assert answers == [202] * 5 + [429]
    # a save without a resident ID is not held back
    assert client.patch(ME_URL, {"degree": "博士"}, format="json").status_code == 200


@pytest.mark.usefixtures("cache_backend")
def test_entering_resident_ids_is_limited_per_address(make_user, client_for):
    records = [TalentFactory() for _ in range(21)]
    answers = []
    for n, record in enumerate(records):
        client = client_for(make_user(roles.TALENT))  # a fresh account each time, one address
        answers.append(client.post(CLAIM_URL, {"id_number": record.id_number}, format="json").status_code)

    assert answers == [202] * 20 + [429]
    other_address = client_for(make_user(roles.TALENT))
    assert (
        other_address.post(CLAIM_URL, {"id_number": records[-1].id_number}, REMOTE_ADDR="10.3.0.1").status_code == 202
    )


@pytest.mark.parametrize("role", [roles.ENTERPRISE_HR, roles.INTAKE_CLERK, roles.FINANCE])
def test_other_roles_may_not_enter_a_resident_id(make_user, client_for, three_numbers, role, sms_outbox):
    client = client_for(make_user(role))
    for number in three_numbers.values():
        assert client.put(ME_URL, {"name": "x", "id_number": number}, format="json").status_code == 403
        assert client.post(CLAIM_URL, {"id_number": number}, format="json").status_code == 403
    assert ProfileClaim.objects.count() == 0 and sms_outbox == []


def test_anonymous_callers_may_not_enter_a_resident_id(api_client, three_numbers):
    assert api_client.put(ME_URL, {"name": "x", "id_number": three_numbers["unclaimed"]}).status_code == 401
    assert api_client.post(CLAIM_URL, {"id_number": three_numbers["unclaimed"]}).status_code == 401
    assert ProfileClaim.objects.count() == 0


# --- the profile page ---------------------------------------------------------------------------------


def test_the_profile_page_answers_the_same_for_a_known_a_held_and_an_unknown_resident_id(
    make_user, three_numbers, sms_outbox, django_capture_on_commit_callbacks
):
    pages = {}
    for kind, number in three_numbers.items():
        client = Client()
        client.force_login(make_user(roles.TALENT))
        with django_capture_on_commit_callbacks(execute=True):
            saved = client.post(PROFILE_PAGE, {"name": "李华", "id_number": number})
        assert (saved.status_code, saved["Location"]) == (302, PROFILE_PAGE)
        page = client.get(PROFILE_PAGE).content.decode()
        # the same message and the same code form, and never the record's phone
        message = re.search(r'<p class="message[^"]*">(.*?)</p>', page).group(1)
        pages[kind] = (message, 'name="form" value="claim"' in page)
        assert "5678" not in page
    assert pages["unclaimed"] == pages["held"] == pages["unknown"]
    assert pages["unknown"][1] is True
    assert [m.to for m in sms_outbox] == [RECORD_PHONE]


def test_the_code_on_the_profile_page_links_the_record(
    make_user, three_numbers, sms_outbox, django_capture_on_commit_callbacks
):
    talent = make_user(roles.TALENT)
    client = Client()
    client.force_login(talent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE_PAGE, {"name": "李华", "id_number": three_numbers["unclaimed"]})
    code = re.search(r"\d{6}", sms_outbox[-1].body).group()

    wrong = client.post(PROFILE_PAGE, {"form": "claim", "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "验证码错误或已失效" in wrong.content.decode()
    done = client.post(PROFILE_PAGE, {"form": "claim", "code": code})

    assert done.status_code == 302
    assert Talent.objects.get(user=talent).id_number == three_numbers["unclaimed"]
    assert "已关联该身份证号码的人才档案。" in client.get(PROFILE_PAGE).content.decode()


@pytest.mark.usefixtures("cache_backend")
def test_the_profile_page_shares_the_limit_with_the_api(make_user, client_for):
    talent = make_user(roles.TALENT)
    api = client_for(talent)
    for _ in range(5):
        api.post(CLAIM_URL, {"id_number": TalentFactory().id_number}, format="json")
    client = Client()
    client.force_login(talent)

    response = client.post(PROFILE_PAGE, {"name": "李华", "id_number": resident_id(4444)})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "输入身份证号码过于频繁，请稍后再试。" in response.content.decode()
    assert not Talent.objects.filter(user=talent).exists()
