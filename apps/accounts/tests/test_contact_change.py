"""Changing the account's phone or e-mail proves the new one with a one-time code (issue 8).

The attacks: putting someone else's phone or e-mail on one's account (it would then receive their
SMS and log in as them); learning from the answer whether another account holds it; changing a
victim's contact silently (the old contact is told).
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
from apps.accounts.services import CodeSentRecently, contact_change_start, contact_change_verify
from apps.core.crypto import pii_hash
from apps.core.exceptions import ValidationFailed
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()
START = "/api/v1/me/contact/"
VERIFY = "/api/v1/me/contact/verify/"
WRONG = {"code": ["验证码错误或已失效"]}
OLD_PHONE = "13700001111"
OWNER_PHONE = "13812345678"


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def sent_to(outbox, to: str) -> list:
    return [m for m in outbox if (m.to if isinstance(m.to, str) else m.to[0]) == to]


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """``send(client.post, ...)``: the call, with what it sends after commit delivered."""

    def _send(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return _send


@pytest.fixture
def me(make_user):
    return make_user(roles.TALENT, username="wangfang", email="old@example.cn", phone=OLD_PHONE)


@pytest.fixture
def owner(make_user):
    """Another account that verified a phone and an e-mail long ago."""
    return make_user(roles.TALENT, username="lihua", email="lihua@example.cn", phone=OWNER_PHONE)


@pytest.fixture
def client(client_for, me):
    return client_for(me)


def start(client, send, **fields):
    return send(client.post, START, fields, format="json")


def verify(client, send, code: str):
    return send(client.post, VERIFY, {"code": code}, format="json")


def allow_next_send():
    ContactCode.objects.update(last_sent_at=timezone.now() - dt.timedelta(seconds=61))


# --- the happy paths ------------------------------------------------------------------------------


def test_a_new_phone_is_put_on_the_account_only_with_its_code(client, send, me, sms_outbox):
    response = start(client, send, phone="+86 139-0000-2222")

    assert response.status_code == 202
    assert set(response.json()) == {"detail"}
    # nothing changes until the code comes back
    me.refresh_from_db()
    assert me.phone == OLD_PHONE
    [message] = sent_to(sms_outbox, "13900002222")
    assert "绑定" in message.body

    verified = verify(client, send, code_in(message.body))

    assert verified.status_code == 200
    body = verified.json()
    assert body["username"] == "wangfang" and body["phone_masked"] == "139****2222"
    assert "13900002222" not in verified.content.decode()
    me.refresh_from_db()
    assert (me.phone, me.phone_hash) == ("13900002222", pii_hash("13900002222"))
    assert ContactCode.objects.get().status == ContactCode.Status.VERIFIED
    # the new phone logs in; the old one no longer does
    token = APIClient().post("/api/v1/auth/token/", {"username": "13900002222", "password": PASSWORD})
    assert token.status_code == 200
    stale = APIClient().post("/api/v1/auth/token/", {"username": OLD_PHONE, "password": PASSWORD})
    assert stale.status_code == 400


def test_a_new_email_is_put_on_the_account_and_the_old_one_is_told(client, send, me, mailoutbox):
    assert start(client, send, email="New@Example.CN").status_code == 202
    [message] = sent_to(mailoutbox, "new@example.cn")

    response = verify(client, send, code_in(message.body))

    assert response.status_code == 200
    assert response.json()["email"] == "new@example.cn"
    me.refresh_from_db()
    assert me.email == "new@example.cn"
    [notice] = sent_to(mailoutbox, "old@example.cn")
    assert "已更换" in notice.body and "wangfang" in notice.body
    assert not re.search(r"\b\d{6}\b", notice.body)


def test_the_old_phone_is_told_that_it_was_changed(client, send, sms_outbox):
    start(client, send, phone="13900002222")
    verify(client, send, code_in(sent_to(sms_outbox, "13900002222")[0].body))

    [notice] = sent_to(sms_outbox, OLD_PHONE)
    assert "已更换" in notice.body
    assert "13900002222" not in notice.body


def test_a_verified_change_ends_the_other_pending_change_codes(client, send, me, sms_outbox, mailoutbox):
    start(client, send, phone="13900002222")
    allow_next_send()
    start(client, send, email="new@example.cn")

    verify(client, send, code_in(sent_to(sms_outbox, "13900002222")[0].body))

    email_row = ContactCode.objects.get(channel=ContactCode.Channel.EMAIL)
    assert email_row.status == ContactCode.Status.EXPIRED
    assert verify(client, send, code_in(sent_to(mailoutbox, "new@example.cn")[0].body)).json() == WRONG
    me.refresh_from_db()
    assert me.email == "old@example.cn"


def test_a_second_request_replaces_the_pending_code(client, send, me, sms_outbox):
    start(client, send, phone="13900002222")
    first = code_in(sms_outbox[-1].body)
    allow_next_send()
    start(client, send, phone="13900003333")
    second = code_in(sms_outbox[-1].body)

    if first != second:
        assert verify(client, send, first).json() == WRONG
    assert verify(client, send, second).status_code == 200
    me.refresh_from_db()
    assert me.phone == "13900003333"


# --- a taken contact answers the same -------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact", "value", "owner_to"),
    [("phone", "+86 138-1234-5678", OWNER_PHONE), ("email", "LiHua@Example.CN", "lihua@example.cn")],
    ids=["phone", "email"],
)
def test_a_taken_contact_answers_exactly_like_a_free_one_and_its_holder_is_told(
    client, send, me, owner, sms_outbox, mailoutbox, contact, value, owner_to
):
    free_value = "13900002222" if contact == "phone" else "free@example.cn"
    free = start(client, send, **{contact: free_value})
    allow_next_send()
    taken = start(client, send, **{contact: value})

    assert free.status_code == taken.status_code == 202
    assert free.json() == taken.json()
    outbox = sms_outbox if contact == "phone" else mailoutbox
    [to_owner] = sent_to(outbox, owner_to)
    assert "有人正在尝试" in to_owner.body
    assert not re.search(r"\b\d{6}\b", to_owner.body.replace(OWNER_PHONE, ""))
    # no code can put it on this account
    for code in ("000000", "123456", code_in(sent_to(outbox, free_value.lower())[0].body)):
        assert verify(client, send, code).json() == WRONG
    me.refresh_from_db()
    assert (me.phone, me.email) == (OLD_PHONE, "old@example.cn")
    assert User.objects.get(phone_hash=pii_hash(OWNER_PHONE)) == owner


def test_a_contact_verified_by_another_account_meanwhile_is_refused_the_same_way(client, send, me, owner, sms_outbox):
    start(client, send, phone="13900002222")
    code = code_in(sms_outbox[-1].body)
    # another account gets the phone between the code's sending and its entry
    User.objects.filter(pk=owner.pk).update(phone="13900002222", phone_hash=pii_hash("13900002222"))

    response = verify(client, send, code)

    assert response.status_code == 400
    assert response.json() == WRONG
    me.refresh_from_db()
    assert me.phone == OLD_PHONE
    assert sent_to(sms_outbox, OLD_PHONE) == []


# --- wrong codes ----------------------------------------------------------------------------------


def test_five_wrong_codes_end_the_code(client, send, me, sms_outbox):
    start(client, send, phone="13900002222")
    code = code_in(sms_outbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"

    answers = [verify(client, send, wrong).json() for _ in range(5)]

    assert answers == [WRONG] * 5
    assert ContactCode.objects.get().attempts == 5
    assert verify(client, send, code).json() == WRONG
    me.refresh_from_db()
    assert me.phone == OLD_PHONE


def test_an_expired_code_is_refused_the_same_way(client, send, me, sms_outbox):
    start(client, send, phone="13900002222")
    ContactCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = verify(client, send, code_in(sms_outbox[-1].body))

    assert response.status_code == 400
    assert response.json() == WRONG
    me.refresh_from_db()
    assert me.phone == OLD_PHONE


def test_no_pending_change_answers_the_same(client, send):
    response = verify(client, send, "123456")
    assert response.status_code == 400
    assert response.json() == WRONG


def test_another_account_cannot_use_someone_elses_code(client_for, send, me, owner, sms_outbox):
    start(client_for(me), send, phone="13900002222")
    code = code_in(sms_outbox[-1].body)

    response = verify(client_for(owner), send, code)

    assert response.json() == WRONG
    owner.refresh_from_db()
    me.refresh_from_db()
    assert (owner.phone, me.phone) == (OWNER_PHONE, OLD_PHONE)
    assert ContactCode.objects.get().status == ContactCode.Status.PENDING


def test_a_registration_code_cannot_change_a_contact_nor_a_change_code_activate(client, send, me, sms_outbox):
    start(client, send, phone="13900002222")
    code = code_in(sms_outbox[-1].body)
    User.objects.filter(pk=me.pk).update(is_active=False)

    response = client.post("/api/v1/auth/register/verify/", {"username": "wangfang", "code": code}, format="json")

    assert response.json() == WRONG
    assert User.objects.get(pk=me.pk).is_active is False


# --- bad input, limits, who may not -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "13900002222", "email": "new@example.cn"}, "email"),
        ({"phone": OLD_PHONE}, "phone"),
        ({"email": "OLD@example.cn"}, "email"),
        ({"phone": "1" * 21}, "phone"),
    ],
    ids=["empty", "bad-phone", "bad-email", "both", "same-phone", "same-email", "overlong"],
)
def test_bad_input_names_the_field_and_sends_nothing(client, send, sms_outbox, mailoutbox, body, field):
    response = start(client, send, **body)

    assert response.status_code == 400
    assert field in response.json()
    assert sms_outbox == [] and mailoutbox == []
    assert ContactCode.objects.count() == 0


@pytest.mark.parametrize("body", [{}, {"code": "1" * 13}], ids=["no-code", "overlong-code"])
def test_verify_names_the_code_field(client, body):
    response = client.post(VERIFY, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"code"}


def test_codes_are_sent_at_most_once_a_minute_per_account(client, send, sms_outbox):
    assert start(client, send, phone="13900002222").status_code == 202
    again = start(client, send, phone="13900003333")

    assert again.status_code == 429
    assert len(sms_outbox) == 1
    assert ContactCode.objects.count() == 1


def test_codes_are_sent_at_most_ten_times_an_hour_per_account(me):
    for n in range(10):
        contact_change_start(user=me, phone=f"1390000{n:04d}")
        allow_next_send()
    with pytest.raises(CodeSentRecently) as refused:
        contact_change_start(user=me, phone="13900009999")
    assert refused.value.status_code == 429
    assert ContactCode.objects.filter(user=me).count() == 10


@pytest.mark.usefixtures("cache_backend")
def test_tries_are_rate_limited_per_account(client, send, sms_outbox):
    start(client, send, phone="13900002222")
    code = code_in(sms_outbox[-1].body)
    answers = [verify(client, send, "000000" if code != "000000" else "111111").status_code for _ in range(9)]

    assert answers == [400] * 9
    assert verify(client, send, code).status_code == 429


@pytest.mark.parametrize("url", [START, VERIFY])
def test_anonymous_callers_get_401_and_nothing_is_sent(api_client, send, sms_outbox, url):
    response = send(api_client.post, url, {"phone": "13900002222", "code": "123456"}, format="json")
    assert response.status_code == 401
    assert sms_outbox == []
    assert ContactCode.objects.count() == 0


def test_the_service_refuses_a_wrong_code_directly(me):
    contact_change_start(user=me, email="new@example.cn")
    with pytest.raises(ValidationFailed) as refused:
        contact_change_verify(user=me, code="not-a-code")
    assert refused.value.as_data() == WRONG


# --- the page /my/contact/ ------------------------------------------------------------------------

PAGE = "/my/contact/"


@pytest.fixture
def page_client(me):
    from django.test import Client

    browser = Client()
    browser.force_login(me)
    return browser


def test_the_page_changes_the_phone_with_the_code(page_client, send, me, sms_outbox):
    shown = page_client.get(PAGE)
    assert shown.status_code == 200
    assert "137****1111" in shown.content.decode() and OLD_PHONE not in shown.content.decode()

    started = send(page_client.post, PAGE, {"step": "start", "phone": "13900002222", "email": ""})
    assert started.status_code == 302
    code = code_in(sent_to(sms_outbox, "13900002222")[0].body)
    assert 'name="code"' in page_client.get(PAGE).content.decode()

    done = send(page_client.post, PAGE, {"step": "verify", "code": code})

    assert done.status_code == 302
    me.refresh_from_db()
    assert me.phone == "13900002222"
    assert sent_to(sms_outbox, OLD_PHONE)


def test_the_page_names_the_field_and_the_wrong_code(page_client, send, me, sms_outbox):
    bad = send(page_client.post, PAGE, {"step": "start", "phone": "12345", "email": ""})
    assert bad.status_code == 400
    assert bad.context["form"].errors["phone"]
    wrong = send(page_client.post, PAGE, {"step": "verify", "code": "000000"})
    assert wrong.status_code == 400
    assert wrong.context["code_form"].errors["code"] == WRONG["code"]
    assert sms_outbox == []
    me.refresh_from_db()
    assert me.phone == OLD_PHONE


def test_the_page_is_for_signed_in_people_only(client, send, sms_outbox):
    from django.test import Client

    anonymous = Client()
    assert anonymous.get(PAGE)["Location"].startswith("/accounts/login/")
    refused = send(anonymous.post, PAGE, {"step": "start", "phone": "13900002222"})
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")
    assert sms_outbox == [] and ContactCode.objects.count() == 0


def test_the_profile_links_to_the_page(page_client):
    assert PAGE in page_client.get("/my/profile/").content.decode()
