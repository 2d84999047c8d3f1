"""The account pages: log-in (where each role lands), log-out, registration, and the portal's own
403/404/500 pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import ContactCode
from apps.core.views import server_error
from tests.fixtures import PASSWORD
from tests.html import elements, invalid_inputs, summary_links

pytestmark = pytest.mark.django_db

User = get_user_model()
PORTAL_NAME = "海珠区人才服务平台"
REGISTER = "/accounts/register/"
VERIFY = "/accounts/register/verify/"
LOGIN = "/accounts/login/"


def field_errors(html: str, field: str) -> list[str]:
    """The error messages shown beside ``field`` (``id_<field>-error-<n>``)."""
    return [
        re.sub(r"<[^>]+>", "", m).replace("错误：", "", 1).strip()
        for m in re.findall(rf'<p class="error-message" id="id_{field}-error-\d+">(.*?)</p>', html, re.S)
    ]


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def registration(**overrides: str) -> dict[str, str]:
    data = {
        "username": "linxiaoyu",
        "phone": "13822223333",
        "email": "linxiaoyu@example.cn",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


# --- log-in ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (roles.TALENT, "/my/"),
        (roles.ENTERPRISE_HR, "/hr/"),
        (roles.INTAKE_CLERK, "/admin/"),
        (roles.DISTRICT_ADMIN, "/admin/"),
    ],
)
def test_logging_in_lands_each_role_on_its_own_home(client, make_user, role, home):
    # Given an account of that role
    account = make_user(role, username="huangmin")

    # When it logs in without a next page
    response = client.post(LOGIN, {"username": "huangmin", "password": PASSWORD})

    # Then it lands on its side of the portal, logged in
    assert response.status_code == 302
    assert response["Location"] == home
    assert client.session["_auth_user_id"] == str(account.pk)


@pytest.mark.parametrize("role", [roles.TALENT, roles.ENTERPRISE_HR, roles.INTAKE_CLERK])
def test_a_safe_next_page_wins_over_the_role_home(client, make_user, role):
    make_user(role, username="huangmin")

    response = client.post(LOGIN, {"username": "huangmin", "password": PASSWORD, "next": "/services/hukou/"})

    assert response.status_code == 302
    assert response["Location"] == "/services/hukou/"


@pytest.mark.parametrize(
    "next_page", ["https://evil.example/", "//evil.example/", "https://evil.example/my/", "javascript:alert(1)"]
)
def test_an_external_next_page_is_ignored(client, make_user, next_page):
    account = make_user(roles.TALENT, username="huangmin")

    response = client.post(LOGIN, {"username": "huangmin", "password": PASSWORD, "next": next_page})

    assert response.status_code == 302
    assert response["Location"] == "/my/"
    assert client.session["_auth_user_id"] == str(account.pk)


def test_the_login_page_keeps_a_next_page_for_the_form(client):
    response = client.get(LOGIN, {"next": "/my/profile/"})

    assert response.status_code == 200
    assert '<input type="hidden" name="next" value="/my/profile/">' in response.content.decode()


@pytest.mark.parametrize(
    ("role", "home"), [(roles.TALENT, "/my/"), (roles.ENTERPRISE_HR, "/hr/"), (roles.REVIEWER, "/admin/")]
)
def test_a_logged_in_user_visiting_the_login_page_is_sent_home(make_user, role, home):
    client = logged_in(make_user(role))

    response = client.get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == home


def test_a_logged_in_user_visiting_the_login_page_with_a_safe_next_goes_there(make_user):
    client = logged_in(make_user(roles.TALENT))

    response = client.get(LOGIN, {"next": "/my/notifications/"})

    assert response.status_code == 302
    assert response["Location"] == "/my/notifications/"


def test_a_wrong_password_does_not_log_in(client, make_user):
    make_user(roles.TALENT, username="huangmin")

    response = client.post(LOGIN, {"username": "huangmin", "password": "Wrong#Pass2026"})

    assert response.status_code == 200
    assert "账号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- log-out -----------------------------------------------------------------------------------


def test_logging_out_lands_on_the_home_page_and_ends_the_session(make_user):
    # Given a logged-in talent
    client = logged_in(make_user(roles.TALENT))
    assert client.get("/my/").status_code == 200

    # When they log out
    response = client.post("/accounts/logout/")

    # Then they are on the portal's home page and no longer logged in
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    again = client.get("/my/")
    assert again.status_code == 302
    assert again["Location"] == "/accounts/login/?next=/my/"


@pytest.mark.parametrize("next_page", ["https://evil.example/", "//evil.example/"])
def test_logging_out_never_goes_to_an_external_next_page(make_user, next_page):
    client = logged_in(make_user(roles.TALENT))

    response = client.post("/accounts/logout/", {"next": next_page})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_logging_out_by_get_is_refused_and_the_session_survives(make_user):
    account = make_user(roles.TALENT)
    client = logged_in(account)

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(account.pk)


# --- registration ------------------------------------------------------------------------------


def test_the_register_page_shows_the_form(client):
    response = client.get(REGISTER)

    assert response.status_code == 200
    found = elements(response.content.decode())
    for field in ("username", "phone", "email", "password", "password2"):
        assert found[f"id_{field}"][0] == "input"
    assert invalid_inputs(response.content.decode()) == set()


def test_a_logged_in_user_visiting_the_register_page_is_sent_home(make_user):
    client = logged_in(make_user(roles.ENTERPRISE_HR))

    response = client.get(REGISTER)

    assert response.status_code == 302
    assert response["Location"] == "/hr/"


def test_registering_asks_for_the_code_then_logs_in_and_asks_for_the_profile(
    client, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    # When someone registers with a phone and an e-mail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, registration())

    # Then an inactive talent account exists with the password hashed, holding no contact yet, and
    # the page asks for the code sent to each
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    account = User.objects.get()
    assert account.username == "linxiaoyu"
    assert (account.is_active, account.email, account.phone) == (False, None, "")
    assert account.role_names == frozenset({roles.TALENT})
    assert account.is_staff is False and account.is_superuser is False
    assert account.password != PASSWORD and PASSWORD not in account.password
    assert account.check_password(PASSWORD)
    assert "_auth_user_id" not in client.session
    assert [m.to for m in sms_outbox] == ["13822223333"]
    assert [m.to for m in mailoutbox] == [["linxiaoyu@example.cn"]]
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert elements(page.content.decode())["id_code"][0] == "input"

    # When a wrong code is entered: the field says so, nobody is logged in
    wrong = client.post(VERIFY, {"code": "000000" if code_in(sms_outbox[-1].body) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert field_errors(wrong.content.decode(), "code") == ["验证码错误或已失效"]
    assert "_auth_user_id" not in client.session

    # When the SMS code is entered: active, the phone is the account's, logged in; the e-mail's code
    # may follow on the same page
    verified = client.post(VERIFY, {"code": code_in(sms_outbox[-1].body)})
    assert verified.status_code == 302
    assert verified["Location"] == VERIFY
    account.refresh_from_db()
    assert (account.is_active, account.phone, account.email) == (True, "13822223333", None)
    assert client.session["_auth_user_id"] == str(account.pk)
    # and the e-mail's code verifies the e-mail, then on to the profile
    done = client.post(VERIFY, {"code": code_in(mailoutbox[-1].body)})
    assert done.status_code == 302
    assert done["Location"] == "/my/profile/"
    account.refresh_from_db()
    assert account.email == "linxiaoyu@example.cn"
    page = client.get("/my/profile/")
    assert page.status_code == 200
    assert "注册成功。请先完善个人信息，再申请服务。" in page.content.decode()
    # and the code page has nothing more to ask
    assert client.get(VERIFY)["Location"] == "/my/"


def test_the_code_page_without_a_registration_goes_to_the_register_page(client):
    response = client.get(VERIFY)

    assert response.status_code == 302
    assert response["Location"] == REGISTER


def test_registering_with_only_an_email_works(client):
    response = client.post(REGISTER, registration(phone=""))

    assert response.status_code == 302
    account = User.objects.get()
    assert (account.phone, account.phone_hash, account.is_active) == ("", None, False)


def test_registering_with_only_a_phone_works(client):
    response = client.post(REGISTER, registration(email=""))

    assert response.status_code == 302
    assert User.objects.get().email is None


@pytest.mark.usefixtures("cache_backend")
def test_asking_for_another_code_is_limited_to_once_a_minute(client, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, registration(email=""))
    first = code_in(sms_outbox[-1].body)
    ContactCode.objects.update(last_sent_at=timezone.now() - dt.timedelta(minutes=2))

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(VERIFY, {"resend": "1"})
        at_once = client.post(VERIFY, {"resend": "1"})

    assert again.status_code == at_once.status_code == 302
    assert len(sms_outbox) == 2  # the immediate second request sent nothing
    # the first code no longer works, the new one does
    assert client.post(VERIFY, {"code": first}).status_code == 400 or first == code_in(sms_outbox[-1].body)
    assert client.post(VERIFY, {"code": code_in(sms_outbox[-1].body)}).status_code == 302
    assert User.objects.get().is_active


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "WangFang"}, "username", "该用户名已被使用"),
        ({"username": "13900001111"}, "username", "用户名不能是手机号码"),
        ({"password": "12345678", "password2": "12345678"}, "password", "密码只包含数字"),
        ({"password2": PASSWORD + "x"}, "password2", "两次输入的密码不一致"),
        ({"phone": "", "email": ""}, "email", "请填写电子邮箱或手机号码"),
        ({"phone": "12345"}, "phone", ""),
        ({"email": "not-an-email"}, "email", "电子邮箱格式不正确"),
    ],
    ids=[
        "taken-username",
        "phone-as-username",
        "weak-password",
        "passwords-differ",
        "no-contact",
        "bad-phone",
        "bad-email",
    ],
)
def test_a_refused_registration_names_the_field_and_creates_nobody(client, make_user, overrides, field, message):
    # Given an existing account "wangfang"
    make_user(roles.TALENT, username="wangfang", email="wangfang@example.cn")
    before = User.objects.count()

    # When a registration is refused
    response = client.post(REGISTER, registration(**overrides))

    # Then the form comes back with the error beside the named field, and no account was made
    assert response.status_code == 400
    html = response.content.decode()
    assert invalid_inputs(html) == {f"id_{field}"}
    assert set(summary_links(html)) == {f"id_{field}"}
    errors = field_errors(html, field)
    assert len(errors) == len(summary_links(html)) >= 1
    assert any(message in error for error in errors), errors
    assert elements(html)[f"id_{field}-error-1"][0] == "p"
    assert f"id_{field}-error-1" in (elements(html)[f"id_{field}"][1]["aria-describedby"] or "")
    assert User.objects.count() == before
    assert "_auth_user_id" not in client.session
    # The passwords typed are never sent back.
    assert PASSWORD not in html


def test_a_refused_registration_keeps_what_was_typed(client):
    response = client.post(REGISTER, registration(password2="Other#Pass2026"))

    found = elements(response.content.decode())
    assert found["id_username"][1]["value"] == "linxiaoyu"
    assert found["id_phone"][1]["value"] == "13822223333"
    assert "value" not in found["id_password"][1]


@pytest.mark.usefixtures("cache_backend")
def test_the_21st_registration_within_the_hour_from_one_address_is_throttled(client):
    # Given 20 registration attempts from one address this hour (refused ones count too)
    for _ in range(20):
        assert client.post(REGISTER, {}, REMOTE_ADDR="203.0.113.9").status_code == 400

    # When a 21st, valid, registration comes from that address
    response = client.post(REGISTER, registration(), REMOTE_ADDR="203.0.113.9")

    # Then it is refused with 429 and a wait, and no account is created
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "注册过于频繁，请稍后再试。" in response.content.decode()
    assert User.objects.count() == 0
    # Another address is not held back.
    assert client.post(REGISTER, registration(), REMOTE_ADDR="203.0.113.10").status_code == 302
    assert User.objects.count() == 1


@pytest.mark.usefixtures("cache_backend")
def test_the_page_shares_the_register_limit_with_the_api(client):
    api = Client()
    for n in range(20):
        api.post(
            "/api/v1/auth/register/",
            {"username": f"api{n}", "password": "short"},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.9",
        )

    response = client.post(REGISTER, registration(), REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 429
    assert User.objects.count() == 0


@pytest.mark.usefixtures("cache_backend")
def test_viewing_the_register_page_is_not_throttled(client):
    for _ in range(25):
        assert client.get(REGISTER, REMOTE_ADDR="203.0.113.9").status_code == 200


# --- error pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/no-such-page/", "/my/nope/", "/services/nope/extra/"])
def test_an_unknown_path_gets_the_portals_404_page(client, path):
    response = client.get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert PORTAL_NAME in html
    assert "页面不存在" in html
    assert "Django" not in html
    assert "Traceback" not in html
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_api_path_stays_json(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.REVIEWER, roles.APPROVER, roles.DISTRICT_ADMIN])
def test_a_staff_member_on_the_talent_pages_gets_the_portals_403_page(make_user, role):
    client = logged_in(make_user(role))

    for path in ("/my/", "/my/profile/", "/my/applications/new/?service=hukou", "/hr/"):
        response = client.get(path)

        assert response.status_code == 403, path
        html = response.content.decode()
        assert "无权访问" in html
        assert PORTAL_NAME in html
        assert "Django" not in html and "Traceback" not in html


def test_the_500_page_is_the_portals_without_a_trace():
    request = RequestFactory().get("/my/")

    response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert PORTAL_NAME in html and "系统繁忙" in html
    assert "Django" not in html and "Traceback" not in html
