import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.accounts.views import LOCKOUT_MESSAGE
from apps.core.crypto import pii_hash
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def code_from(outbox) -> str:
    """The 6-digit code in the last SMS or e-mail sent."""
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


User = get_user_model()

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
BAD_CREDENTIALS = {"detail": "用户名或密码错误"}
LOCKED = {"detail": LOCKOUT_MESSAGE}


def test_register_verify_token_me(api_client, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register/",
            {"username": "lihua", "password": "Str0ng#Pass", "phone": "13812345678"},
            format="json",
        )
    assert response.status_code == 202, response.json()
    assert response.json()["username"] == "lihua"
    assert "password" not in response.json()
    verified = api_client.post(
        "/api/v1/auth/register/verify/", {"username": "lihua", "code": code_from(sms_outbox)}, format="json"
    )
    assert verified.status_code == 200, verified.json()
    body = verified.json()
    assert body["username"] == "lihua"
    assert body["phone_masked"] == "138****5678"
    assert body["roles"] == [roles.TALENT]
    assert "password" not in body

    for identifier in ("lihua", "13812345678", "+86 138-1234-5678"):
        token = api_client.post(
            "/api/v1/auth/token/", {"username": identifier, "password": "Str0ng#Pass"}, format="json"
        )
        assert token.status_code == 200, (identifier, token.json())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "lihua"
    assert me.json()["enterprise"] is None


def test_me_requires_auth(api_client):
    assert api_client.get("/api/v1/me/").status_code == 401


@pytest.mark.usefixtures("cache_backend")
def test_lockout_after_five_failures(api_client, make_user):
    user = make_user(roles.TALENT)
    for _ in range(5):
        r = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"}, format="json")
        assert r.status_code in (400, 429)
    r = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert r.status_code == 429
    assert "detail" in r.json()


# --- Registration ----------------------------------------------------------------------------


def register(client, **fields):
    return client.post(REGISTER, fields, format="json")


def test_register_answers_202_and_activates_with_the_code(api_client, mailoutbox, django_capture_on_commit_callbacks):
    # when a talent registers with an e-mail only
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client, username="Wang.Fang", password="Haizhu#2026x", email="Wang.Fang@Example.CN")
    # then 202, no trace of the password, an inactive account holding no e-mail yet, a code by e-mail
    assert response.status_code == 202
    assert response.json() == {
        "username": "Wang.Fang",
        "detail": "验证码已发送至您填写的手机号码或电子邮箱，请在有效期内输入验证码完成注册。",
        "expires_in": 600,
    }
    assert "Haizhu#2026x" not in response.content.decode()
    user = User.objects.get(username="Wang.Fang")
    assert (user.is_active, user.email) == (False, None)
    assert [m.to for m in mailoutbox] == [["wang.fang@example.cn"]]
    # when the code is entered
    verified = api_client.post(
        "/api/v1/auth/register/verify/", {"username": "wang.fang", "code": code_from(mailoutbox)}, format="json"
    )
    # then the account, active, with its e-mail lower-cased
    assert verified.status_code == 200
    user.refresh_from_db()
    assert verified.json() == {
        "id": user.pk,
        "username": "Wang.Fang",
        "email": "wang.fang@example.cn",
        "phone_masked": "",
        "roles": [roles.TALENT],
        "is_staff": False,
        "enterprise": None,
    }
    assert user.is_active
    assert user.check_password("Haizhu#2026x")
    assert user.is_staff is False
    assert user.is_superuser is False


def test_register_stores_the_phone_encrypted_and_normalised_once_verified(
    api_client, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client, username="zhaolei", password="Haizhu#2026x", phone="+86 139-0000-1234")
    assert response.status_code == 202
    assert sms_outbox[0].to == "13900001234"
    verified = api_client.post(
        "/api/v1/auth/register/verify/", {"username": "zhaolei", "code": code_from(sms_outbox)}, format="json"
    )
    assert verified.json()["phone_masked"] == "139****1234"
    assert verified.json()["email"] is None
    user = User.objects.get(username="zhaolei")
    assert user.phone == "13900001234"
    assert user.phone_hash == pii_hash("13900001234")


@pytest.fixture
def existing(make_user):
    return make_user(roles.TALENT, username="lihua", email="lihua@example.cn", phone="13812345678")


REQUIRED = "该字段是必填项。"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"password": "Haizhu#2026x", "email": "a@example.cn"}, {"username": [REQUIRED]}),
        ({"username": "", "password": "Haizhu#2026x", "email": "a@example.cn"}, {"username": ["该字段不能为空。"]}),
        (
            {"username": "   ", "password": "Haizhu#2026x", "email": "a@example.cn"},
            {"username": ["该字段不能为空。"]},
        ),
        (
            {"username": "a@b", "password": "Haizhu#2026x", "email": "a@example.cn"},
            {"username": ["用户名不能包含@"]},
        ),
        (
            {"username": "li hua", "password": "Haizhu#2026x", "email": "a@example.cn"},
            {"username": ["用户名只能包含字母、数字和 @.+-_"]},
        ),
        (
            {"username": "13812345678", "password": "Haizhu#2026x", "email": "a@example.cn"},
            {"username": ["用户名不能是手机号码"]},
        ),
        (
            {"username": "8613912345678", "password": "Haizhu#2026x", "email": "a@example.cn"},
            {"username": ["用户名不能是手机号码"]},
        ),
        (
            {"username": "LiHua", "password": "Haizhu#2026x", "email": "a@example.cn"},
            {"username": ["该用户名已被使用"]},
        ),
        (
            {"username": "wangwu", "password": "Haizhu#2026x", "email": "not-an-email"},
            {"email": ["电子邮箱格式不正确"]},
        ),
        (
            {"username": "wangwu", "password": "Haizhu#2026x", "phone": "12012345678"},
            {"phone": ["请输入11位中国大陆手机号码"]},
        ),
        (
            {"username": "wangwu", "password": "Haizhu#2026x", "phone": "1381234567"},
            {"phone": ["请输入11位中国大陆手机号码"]},
        ),
        (
            {"username": "wangwu", "password": "Haizhu#2026x"},
            {"email": ["请填写电子邮箱或手机号码"]},
        ),
        (
            {"username": "wangwu", "password": "Haizhu#2026x", "email": "", "phone": ""},
            {"email": ["请填写电子邮箱或手机号码"]},
        ),
        (
            {"username": "a@b", "password": "Haizhu#2026x", "email": "bad", "phone": "123"},
            {
                "username": ["用户名不能包含@"],
                "email": ["电子邮箱格式不正确"],
                "phone": ["请输入11位中国大陆手机号码"],
            },
        ),
        ({"username": "wangwu", "email": "a@example.cn"}, {"password": [REQUIRED]}),
    ],
    ids=[
        "missing-username",
        "blank-username",
        "spaces-username",
        "username-with-at",
        "username-with-space",
        "username-is-someones-phone",
        "username-is-a-phone",
        "duplicate-username-other-case",
        "bad-email",
        "phone-12x",
        "phone-10-digits",
        "neither-email-nor-phone",
        "blank-email-and-phone",
        "three-bad-fields",
        "missing-password",
    ],
)
def test_register_refuses_bad_fields_and_writes_nothing(api_client, existing, fields, errors):
    # given one account already exists
    users_before = User.objects.count()
    # when
    response = register(api_client, **fields)
    # then 400 names each bad field, and no account was written
    assert response.status_code == 400
    assert response.json() == errors
    assert User.objects.count() == users_before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        # Django 5.2.19's msgid ("%d") no longer matches its zh_Hans catalogue ("%(min_length)d"): English
        ("Hz#2026", "This password is too short. It must contain at least 8 characters."),
        (
            "qwzmxnvb7341",
            "密码须包含大写字母、小写字母、数字、符号中的至少3类",
        ),
        ("Zhangwei#88", "密码跟 用户名 太相似了。"),
        ("Password1", "这个密码太常见了。"),
    ],
    ids=["too-short", "two-classes", "like-username", "too-common"],
)
def test_register_refuses_weak_passwords(api_client, password, message):
    response = register(api_client, username="zhangwei88", password=password, email="zw@example.cn")
    assert response.status_code == 400
    assert response.json() == {"password": [message]}
    assert User.objects.count() == 0


def test_register_password_errors_are_all_listed(api_client):
    response = register(api_client, username="zhangwei88", password="1234567", email="zw@example.cn")
    assert response.status_code == 400
    assert response.json() == {
        "password": [
            "This password is too short. It must contain at least 8 characters.",
            "这个密码太常见了。",
            "密码只包含数字。",
            "密码须包含大写字母、小写字母、数字、符号中的至少3类",
        ]
    }
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], {"detail": "无效数据。期待为字典类型，得到的是 list 。"}),
        (["lihua", "Haizhu#2026x"], {"detail": "无效数据。期待为字典类型，得到的是 list 。"}),
        ("lihua", {"detail": "无效数据。期待为字典类型，得到的是 str 。"}),
        (123, {"detail": "无效数据。期待为字典类型，得到的是 int 。"}),
        (None, {"username": [REQUIRED], "password": [REQUIRED]}),
    ],
    ids=["empty-list", "list", "string", "number", "null"],
)
def test_register_body_that_is_not_an_object_is_400(api_client, body, expected):
    response = api_client.post(REGISTER, body, format="json")
    assert response.status_code == 400
    assert response.json() == expected
    assert User.objects.count() == 0


def test_register_invalid_json_text_is_400(api_client):
    response = api_client.post(REGISTER, '{"username": "x", ', content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail"]
    assert response.json()["detail"].startswith("JSON parse error")
    assert User.objects.count() == 0


def test_register_wrong_types_are_400(api_client):
    response = register(api_client, username={"a": 1}, password=["x"], email=None)
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password", "email"}
    assert User.objects.count() == 0


# --- Token -----------------------------------------------------------------------------------


def token(client, username, password, **extra):
    return client.post(TOKEN, {"username": username, "password": password}, format="json", **extra)


def assert_token_for(response, user) -> None:
    """``response`` issued a token (and its expiry) that authenticates as ``user``."""
    assert response.status_code == 200, response.json()
    assert set(response.json()) == {"token", "expiry"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/me/").json()["username"] == user.username


@pytest.mark.parametrize(
    "identifier",
    [
        "lihua",
        "LIHUA",
        " lihua ",
        "13812345678",
        "+86 138-1234-5678",
        "0086 138 1234 5678",
        "138-1234-5678",
        "lihua@example.cn",
        "LiHua@Example.CN",
    ],
)
def test_token_by_username_phone_or_email(api_client, existing, identifier):
    # when the account asks for a token by any of its identifiers
    response = token(api_client, identifier, PASSWORD)
    # then it gets a new token, which authenticates /me/
    assert_token_for(response, existing)
    key = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "lihua"
    assert me.json()["roles"] == [roles.TALENT]
    assert me.json()["phone_masked"] == "138****5678"


def test_wrong_password_and_unknown_user_answer_the_same(api_client, existing):
    wrong_password = token(api_client, "lihua", "Wrong#Pass1")
    unknown_user = token(api_client, "nobody", "Wrong#Pass1")
    unknown_phone = token(api_client, "13999999999", "Wrong#Pass1")
    unknown_email = token(api_client, "nobody@example.cn", "Wrong#Pass1")
    for response in (wrong_password, unknown_user, unknown_phone, unknown_email):
        assert response.status_code == 400
        assert response.json() == BAD_CREDENTIALS
    assert AuthToken.objects.count() == 0


def test_inactive_account_gets_no_token(api_client, existing):
    existing.is_active = False
    existing.save()
    response = token(api_client, "lihua", PASSWORD)
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS
    assert AuthToken.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "password"}),
        ({"username": "lihua"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "", "password": ""}, {"username", "password"}),
        ({"username": None, "password": None}, {"username", "password"}),
        ({"username": {"x": 1}, "password": [PASSWORD]}, {"username", "password"}),
    ],
    ids=["empty", "no-password", "no-username", "blank", "null", "wrong-types"],
)
def test_token_missing_fields_are_named(api_client, existing, body, fields):
    response = api_client.post(TOKEN, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert all(isinstance(messages, list) and messages for messages in response.json().values())
    assert AuthToken.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], {"detail": "无效数据。期待为字典类型，得到的是 list 。"}),
        ([{"username": "lihua", "password": PASSWORD}], {"detail": "无效数据。期待为字典类型，得到的是 list 。"}),
        ("lihua", {"detail": "无效数据。期待为字典类型，得到的是 str 。"}),
        (7, {"detail": "无效数据。期待为字典类型，得到的是 int 。"}),
        (None, {"username": [REQUIRED], "password": [REQUIRED]}),
    ],
    ids=["empty-list", "list", "string", "number", "null"],
)
def test_token_body_that_is_not_an_object_is_400(api_client, existing, body, expected):
    response = api_client.post(TOKEN, body, format="json")
    assert response.status_code == 400
    assert response.json() == expected
    assert AuthToken.objects.count() == 0


def test_token_invalid_json_text_is_400(api_client):
    response = api_client.post(TOKEN, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    }


def test_token_other_media_type_is_415(api_client):
    response = api_client.post(TOKEN, "username=lihua", content_type="text/plain")
    assert response.status_code == 415
    assert list(response.json()) == ["detail"]


def test_token_null_character_and_overlong_username_are_400(api_client, existing):
    response = token(api_client, "li\x00hua", PASSWORD)
    assert response.status_code == 400
    assert list(response.json()) == ["username"]
    response = token(api_client, "x" * 255, PASSWORD)
    assert response.status_code == 400
    assert list(response.json()) == ["username"]
    assert AuthToken.objects.count() == 0


# --- Lockout (django-axes: 5 failures in a row, 30 minutes) ----------------------------------


def fail(client, username, times, **extra):
    return [token(client, username, "Wrong#Pass1", **extra).status_code for _ in range(times)]


def age_attempts(minutes: int) -> None:
    """Move every recorded failure ``minutes`` into the past, as if that much time had passed."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - dt.timedelta(minutes=minutes)
        )


def test_lockout_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=30)


@pytest.mark.usefixtures("cache_backend")
def test_five_wrong_passwords_lock_the_right_one_out(api_client, existing):
    # when five wrong passwords are sent in a row: the fifth locks
    assert fail(api_client, "lihua", 5) == [400, 400, 400, 400, 429]
    # then the right password answers 429 with the lockout message, and no token is issued
    response = token(api_client, "lihua", PASSWORD)
    assert response.status_code == 429
    assert response.json() == LOCKED
    assert AuthToken.objects.count() == 0


@pytest.mark.usefixtures("cache_backend")
def test_four_wrong_passwords_do_not_lock(api_client, existing):
    assert fail(api_client, "lihua", 4) == [400, 400, 400, 400]
    assert token(api_client, "lihua", PASSWORD).status_code == 200


@pytest.mark.usefixtures("cache_backend")
def test_still_locked_after_29_minutes(api_client, existing):
    fail(api_client, "lihua", 5)
    age_attempts(29)
    response = token(api_client, "lihua", PASSWORD)
    assert response.status_code == 429
    assert response.json() == LOCKED
    assert AuthToken.objects.count() == 0


@pytest.mark.usefixtures("cache_backend")
def test_unlocked_after_31_minutes(api_client, existing):
    fail(api_client, "lihua", 5)
    age_attempts(31)
    response = token(api_client, "lihua", PASSWORD)
    assert_token_for(response, existing)


@pytest.mark.usefixtures("cache_backend")
def test_a_retry_during_the_lockout_does_not_extend_it(api_client, existing):
    # given locked out, then trying the right password at minute 29
    fail(api_client, "lihua", 5)
    age_attempts(29)
    assert token(api_client, "lihua", PASSWORD).status_code == 429
    # when two more minutes pass (31 minutes after the fifth failure)
    age_attempts(2)
    # then the right password works
    assert token(api_client, "lihua", PASSWORD).status_code == 200


@pytest.mark.usefixtures("cache_backend")
def test_failures_count_across_username_phone_and_email_of_one_account(api_client, existing):
    # given failures spread over the account's three identifiers, each from a different address
    # (so the per-IP count cannot be what locks)
    assert token(api_client, "lihua", "Wrong#1", REMOTE_ADDR="10.0.0.1").status_code == 400
    assert token(api_client, "LiHua", "Wrong#1", REMOTE_ADDR="10.0.0.2").status_code == 400
    assert token(api_client, "13812345678", "Wrong#1", REMOTE_ADDR="10.0.0.3").status_code == 400
    assert token(api_client, "+86 138 1234 5678", "Wrong#1", REMOTE_ADDR="10.0.0.4").status_code == 400
    assert token(api_client, "LIHUA@example.cn", "Wrong#1", REMOTE_ADDR="10.0.0.5").status_code == 429
    # then the account is locked from a sixth address, by any identifier
    for identifier in ("lihua", "13812345678", "lihua@example.cn"):
        response = token(api_client, identifier, PASSWORD, REMOTE_ADDR="10.0.0.6")
        assert response.status_code == 429
        assert response.json() == LOCKED
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"lihua"}
    assert AuthToken.objects.count() == 0


@pytest.mark.usefixtures("cache_backend")
def test_an_unknown_phone_locks_after_five_failures_without_its_digits_being_stored(api_client, existing):
    # given five failures with one mobile number that belongs to no account, in different spellings
    # and each from a different address (so the per-IP count cannot be what locks)
    spellings = ["13912345678", "+86 139-1234-5678", "139 1234 5678", "8613912345678", "13912345678"]
    answers = [
        token(api_client, spelling, "Wrong#1", REMOTE_ADDR=f"10.0.1.{n}").status_code
        for n, spelling in enumerate(spellings, 1)
    ]
    # then the fifth locks that number, from any address
    assert answers == [400, 400, 400, 400, 429]
    response = token(api_client, "13912345678", "Wrong#1", REMOTE_ADDR="10.0.1.9")
    assert response.status_code == 429
    assert response.json() == LOCKED
    # while another unknown number and the existing account are not locked
    assert token(api_client, "13912340000", "Wrong#1", REMOTE_ADDR="10.0.1.10").status_code == 400
    assert token(api_client, "lihua", PASSWORD, REMOTE_ADDR="10.0.1.11").status_code == 200
    # and the failures are stored under the keyed hash, never the digits
    hashed = "phone:" + pii_hash("13912345678")[:16]
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {
        hashed,
        "phone:" + pii_hash("13912340000")[:16],
    }
    assert sum(AccessAttempt.objects.filter(username=hashed).values_list("failures_since_start", flat=True)) == 5
    for row in AccessAttempt.objects.values("username", "get_data", "post_data", "path_info", "user_agent"):
        stored = " ".join(str(v) for v in row.values())
        assert "1234" + "5678" not in stored and "3912340000" not in stored


@pytest.mark.usefixtures("cache_backend")
def test_a_known_phone_still_counts_under_the_accounts_username(api_client, existing):
    assert fail(api_client, "13812345678", 1) == [400]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["lihua"]


def test_an_unknown_username_or_email_is_kept_as_typed_lower_cased(api_client):
    token(api_client, "NoSuchUser", "Wrong#1")
    token(api_client, "Nobody@Example.CN", "Wrong#1")
    assert sorted(AccessAttempt.objects.values_list("username", flat=True)) == ["nobody@example.cn", "nosuchuser"]


@pytest.mark.usefixtures("cache_backend")
def test_ip_lockout_across_usernames(api_client, make_user):
    # given five failures from one address, each against a different (existing or unknown) account
    victim = make_user(username="victim")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        token(api_client, name, "Wrong#1", REMOTE_ADDR="10.9.9.9")
    # then from that address even another account's right password is refused
    response = token(api_client, "victim", PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert response.json() == LOCKED
    assert AuthToken.objects.count() == 0
    # while from elsewhere the same account logs in
    assert_token_for(token(api_client, "victim", PASSWORD, REMOTE_ADDR="10.1.1.1"), victim)


@pytest.mark.usefixtures("cache_backend")
def test_a_success_before_the_fifth_failure_resets_the_count(api_client, existing):
    # given four failures, then a success
    assert fail(api_client, "lihua", 4) == [400, 400, 400, 400]
    assert token(api_client, "lihua", PASSWORD).status_code == 200
    # when four more failures follow
    assert fail(api_client, "lihua", 4) == [400, 400, 400, 400]
    # then the count started again: the right password still works
    assert token(api_client, "lihua", PASSWORD).status_code == 200
    # and the fifth failure in a row after that success locks
    assert fail(api_client, "lihua", 5) == [400, 400, 400, 400, 429]
    assert token(api_client, "lihua", PASSWORD).status_code == 429


def test_token_login_records_last_login(api_client, existing):
    assert existing.last_login is None
    assert token(api_client, "lihua", PASSWORD).status_code == 200
    existing.refresh_from_db()
    assert existing.last_login is not None


@pytest.mark.usefixtures("cache_backend")
def test_admin_login_lockout_answers_429_html(make_user):
    # given a staff account and the admin login page
    make_user(roles.REVIEWER, username="reviewer1")
    client = Client()
    for expected in (200, 200, 200, 200, 429):  # the form re-renders with an error, then the lockout
        response = client.post("/admin/login/", {"username": "reviewer1", "password": "Wrong#1"})
        assert response.status_code == expected
    # when the right password is sent
    response = client.post("/admin/login/?next=/admin/", {"username": "reviewer1", "password": PASSWORD})
    # then a 429 HTML page, and no session
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "<html" in body
    assert "账户已锁定30分钟" in body
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


# --- Staff idle timeout ----------------------------------------------------------------------


def test_staff_session_expires_after_30_idle_minutes(make_user):
    # given a logged-in staff member
    clerk = make_user(roles.INTAKE_CLERK)
    client = Client()
    client.force_login(clerk)
    # when they make a request
    assert client.get("/").status_code == 200
    # then the session ends after 30 minutes without a request
    assert client.session.get_expiry_age() == 1800
    assert settings.STAFF_IDLE_TIMEOUT_SECONDS == 1800


def test_talent_session_keeps_the_default_lifetime(make_user):
    talent = make_user(roles.TALENT)
    client = Client()
    client.force_login(talent)
    assert client.get("/").status_code == 200
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 3600
