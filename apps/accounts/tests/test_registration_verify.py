"""Registration proves the phone or e-mail with a one-time code, and never tells whether it is taken.

The attacks (issue 8): registering someone else's phone or e-mail so that its owner can no longer
register it and this account receives their SMS; "already registered" answers telling accounts apart.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.accounts.models import ContactCode
from apps.accounts.services import unverified_accounts_purge, user_register
from apps.core.crypto import pii_hash
from apps.core.exceptions import ValidationFailed
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()
REGISTER = "/api/v1/auth/register/"
VERIFY = "/api/v1/auth/register/verify/"
RESEND = "/api/v1/auth/register/resend/"
WRONG = {"code": ["验证码错误或已失效"]}
OWNER_PHONE = "13812345678"


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


@pytest.fixture
def owner(make_user):
    """The real owner of a phone and an e-mail, registered and verified long ago."""
    return make_user(roles.TALENT, username="lihua", email="lihua@example.cn", phone=OWNER_PHONE)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """``send(client.post, ...)``: the call, with what it sends after commit delivered."""

    def _send(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return _send


def register(client, send, **fields):
    return send(client.post, REGISTER, {"password": "Haizhu#2026x", **fields}, format="json")


def verify(client, username: str, code: str):
    return client.post(VERIFY, {"username": username, "code": code}, format="json")


# --- the answer never tells whether a phone or e-mail is taken -------------------------------------


@pytest.mark.parametrize(
    ("contact", "value"),
    [("phone", OWNER_PHONE), ("phone", "+86 138-1234-5678"), ("email", "LiHua@Example.CN")],
    ids=["phone", "phone-other-spelling", "email-other-case"],
)
def test_a_taken_contact_answers_exactly_like_a_free_one(
    api_client, send, owner, sms_outbox, mailoutbox, contact, value
):
    free_value = "13900001111" if contact == "phone" else "free@example.cn"
    free = register(api_client, send, username="newcomer", **{contact: free_value})
    taken = register(api_client, send, username="attacker", **{contact: value})

    # the same status and the same body, but for the username the caller chose
    assert free.status_code == taken.status_code == 202
    assert {**free.json(), "username": "x"} == {**taken.json(), "username": "x"}
    # no account holds the owner's contact but the owner's
    attacker = User.objects.get(username="attacker")
    assert (attacker.is_active, attacker.email, attacker.phone, attacker.phone_hash) == (False, None, "", None)
    assert User.objects.filter(phone_hash=pii_hash(OWNER_PHONE)).get() == owner
    assert User.objects.filter(email__iexact="lihua@example.cn").get() == owner
    # the owner is told someone tried; no code went to them that could activate anything
    sent = sms_outbox if contact == "phone" else mailoutbox
    to_owner = [m for m in sent if (m.to if contact == "phone" else m.to[0]) in (OWNER_PHONE, "lihua@example.cn")]
    assert len(to_owner) == 1
    assert "有人正在用您的" in to_owner[0].body
    assert not re.search(r"\d{6}", to_owner[0].body.replace(OWNER_PHONE, ""))


def test_a_taken_contact_can_never_activate_the_second_account(api_client, send, owner, sms_outbox):
    register(api_client, send, username="attacker", phone=OWNER_PHONE)

    # not with any code, not with the code of another registration
    register(api_client, send, username="newcomer", phone="13900001111")
    other_code = code_in(sms_outbox[-1].body)
    for code in ("000000", "123456", other_code):
        assert verify(api_client, "attacker", code).json() == WRONG
    assert User.objects.get(username="attacker").is_active is False
    # nor can it log in
    response = api_client.post("/api/v1/auth/token/", {"username": "attacker", "password": "Haizhu#2026x"})
    assert response.status_code == 400


def test_an_unverified_account_does_not_keep_the_phone_from_its_owner(api_client, send, sms_outbox):
    # given an attacker registered a phone that is not theirs (the code went to the phone's owner)
    register(api_client, send, username="attacker", phone="13900001111")
    assert User.objects.get(username="attacker").phone == ""

    # when the real owner registers it and enters the code they received
    owner_answer = register(api_client, send, username="realowner", phone="13900001111")
    assert owner_answer.status_code == 202
    verified = verify(api_client, "realowner", code_in(sms_outbox[-1].body))

    # then the phone is the owner's, logs them in, and the attacker's registration can never have it
    assert verified.status_code == 200
    assert User.objects.get(phone_hash=pii_hash("13900001111")).username == "realowner"
    assert ContactCode.objects.get(user__username="attacker").status == ContactCode.Status.EXPIRED
    assert verify(api_client, "attacker", code_in(sms_outbox[0].body)).json() == WRONG
    token = api_client.post("/api/v1/auth/token/", {"username": "13900001111", "password": "Haizhu#2026x"})
    assert token.status_code == 200


def test_a_taken_username_is_still_told(api_client, send, owner):
    # usernames are public handles: telling spares a person waiting for a code that cannot come
    response = register(api_client, send, username="LiHua", phone="13900001111")
    assert response.status_code == 400
    assert response.json() == {"username": ["该用户名已被使用"]}


# --- the code -------------------------------------------------------------------------------------


def test_the_code_is_six_random_digits_stored_only_as_a_keyed_hash(api_client, send, sms_outbox):
    register(api_client, send, username="newcomer", phone="13900001111")
    code = code_in(sms_outbox[-1].body)
    row = ContactCode.objects.get()
    assert len(code) == 6
    assert code not in row.code_hash and row.code_hash != code
    assert row.value == "13900001111" and row.value_hash == pii_hash("13900001111")
    assert timezone.now() + dt.timedelta(minutes=9) < row.expires_at <= timezone.now() + dt.timedelta(minutes=10)


def test_five_wrong_codes_end_the_code(api_client, send, sms_outbox):
    register(api_client, send, username="newcomer", phone="13900001111")
    code = code_in(sms_outbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"

    answers = [verify(api_client, "newcomer", wrong).json() for _ in range(5)]

    assert answers == [WRONG] * 5
    assert ContactCode.objects.get().attempts == 5
    # the right code is now refused too, with the same answer
    assert verify(api_client, "newcomer", code).json() == WRONG
    assert User.objects.get(username="newcomer").is_active is False


def test_an_expired_code_is_refused_the_same_way(api_client, send, sms_outbox):
    register(api_client, send, username="newcomer", phone="13900001111")
    ContactCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = verify(api_client, "newcomer", code_in(sms_outbox[-1].body))

    assert response.status_code == 400
    assert response.json() == WRONG
    assert User.objects.get(username="newcomer").is_active is False


@pytest.mark.parametrize("username", ["nobody", "lihua"], ids=["unknown-username", "active-account"])
def test_verify_answers_the_same_for_no_pending_registration(api_client, owner, username):
    response = verify(api_client, username, "123456")
    assert response.status_code == 400
    assert response.json() == WRONG


@pytest.mark.parametrize(
    ("body", "fields"),
    [({}, {"username", "code"}), ({"username": "x"}, {"code"}), ({"username": "x", "code": "1" * 13}, {"code"})],
    ids=["empty", "no-code", "overlong-code"],
)
def test_verify_names_missing_fields(api_client, body, fields):
    response = api_client.post(VERIFY, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields


def test_a_code_verifies_only_its_own_account(api_client, send, sms_outbox):
    register(api_client, send, username="first", phone="13900001111")
    first_code = code_in(sms_outbox[-1].body)
    register(api_client, send, username="second", phone="13900002222")

    assert verify(api_client, "second", first_code).json() == WRONG or first_code == code_in(sms_outbox[-1].body)
    assert verify(api_client, "first", first_code).status_code == 200
    assert User.objects.get(username="second").is_active is False


# --- resending ----------------------------------------------------------------------------------


def test_resend_draws_a_new_code_at_most_once_a_minute(api_client, send, sms_outbox):
    register(api_client, send, username="newcomer", phone="13900001111")
    # at once: nothing more is sent
    assert send(api_client.post, RESEND, {"username": "newcomer"}, format="json").status_code == 202
    assert len(sms_outbox) == 1
    # a minute later: a fresh code with fresh attempts, and the old one is void
    old = code_in(sms_outbox[-1].body)
    ContactCode.objects.update(last_sent_at=timezone.now() - dt.timedelta(seconds=61), attempts=4)
    assert send(api_client.post, RESEND, {"username": "newcomer"}, format="json").status_code == 202
    assert len(sms_outbox) == 2
    new = code_in(sms_outbox[-1].body)
    assert ContactCode.objects.get().attempts == 0
    if new != old:
        assert verify(api_client, "newcomer", old).json() == WRONG
    assert verify(api_client, "newcomer", new).status_code == 200


def test_resend_answers_the_same_for_any_username(api_client, send, owner, sms_outbox):
    answers = [send(api_client.post, RESEND, {"username": name}, format="json") for name in ("nobody", "lihua")]
    assert [a.status_code for a in answers] == [202, 202]
    assert sms_outbox == []


@pytest.mark.usefixtures("cache_backend")
def test_codes_are_rate_limited_per_username_whatever_the_address(api_client, send, sms_outbox):
    register(api_client, send, username="newcomer", phone="13900001111")
    answers = [verify(APIClient(REMOTE_ADDR=f"10.2.0.{n}"), "newcomer", "000000").status_code for n in range(10)]
    assert answers == [400] * 10
    assert verify(APIClient(REMOTE_ADDR="10.2.1.1"), "newcomer", code_in(sms_outbox[-1].body)).status_code == 429
    assert User.objects.get(username="newcomer").is_active is False
    # another username is not held back
    assert verify(APIClient(REMOTE_ADDR="10.2.1.1"), "someone", "123456").status_code == 400


@pytest.mark.usefixtures("cache_backend")
def test_verifies_are_rate_limited_per_address(api_client):
    answers = [verify(api_client, f"user{n}", "123456").status_code for n in range(31)]
    assert answers == [400] * 30 + [429]


# --- stale unverified accounts ----------------------------------------------------------------------


def test_an_unverified_account_frees_its_username_after_a_day(api_client, send, make_user):
    register(api_client, send, username="squatter", phone="13900001111")
    staff_disabled = make_user(roles.TALENT, username="disabled")
    staff_disabled.is_active = False
    staff_disabled.save()
    User.objects.update(date_joined=timezone.now() - dt.timedelta(hours=25))

    response = register(api_client, send, username="squatter", phone="13900002222")

    assert response.status_code == 202
    assert User.objects.get(username="squatter").contact_codes.get().value == "13900002222"
    # an account staff deactivated is not an unverified one
    assert User.objects.filter(username="disabled").exists()
    assert unverified_accounts_purge() == 0


def test_a_registration_speaks_the_language_it_was_made_in(api_client, send, sms_outbox):
    send(
        api_client.post,
        REGISTER,
        {"username": "newcomer", "password": "Haizhu#2026x", "phone": "13900001111"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert User.objects.get(username="newcomer").language == "en"
    assert code_in(sms_outbox[-1].body)


def test_user_register_sends_nothing_when_refused(sms_outbox, mailoutbox, owner):
    with pytest.raises(ValidationFailed):
        user_register(username="lihua", password=PASSWORD, phone="13900001111")
    assert sms_outbox == [] and mailoutbox == []
    assert ContactCode.objects.count() == 0
