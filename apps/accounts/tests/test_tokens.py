"""API tokens that end: expiry, logout, "log out everywhere", password changes, the staff idle rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.accounts.services import token_issue
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
NEW_PASSWORD = "Another#Pass2027"


def login(username: str, password: str = PASSWORD) -> APIClient:
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def move_token_clock(user, *, minutes: int) -> None:
    """As if ``minutes`` passed since each of ``user``'s tokens was issued and last used."""
    delta = dt.timedelta(minutes=minutes)
    for token in AuthToken.objects.filter(user=user):
        AuthToken.objects.filter(pk=token.pk).update(created=token.created - delta, expiry=token.expiry - delta)


# --- what a token is -----------------------------------------------------------------------------


def test_the_token_is_stored_as_a_digest_only_and_sent_in_the_token_header(api_client, make_user):
    talent = make_user(roles.TALENT, username="lihua")

    response = api_client.post(TOKEN, {"username": "lihua", "password": PASSWORD}, format="json")

    token = response.json()["token"]
    stored = AuthToken.objects.get(user=talent)
    assert token not in (stored.digest, stored.token_key) and stored.token_key == token[:15]
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {token}").json()["username"] == "lihua"
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {token[:-1]}x").status_code == 401


def test_a_talent_token_ends_after_the_ttl(make_user):
    talent = make_user(roles.TALENT, username="lihua")
    client = login("lihua")
    expiry = AuthToken.objects.get(user=talent).expiry
    assert dt.timedelta(hours=9, minutes=59) < expiry - timezone.now() <= dt.timedelta(hours=10)

    # used after 9 h 59 min: still good, and not renewed (a talent's token has a fixed end)
    move_token_clock(talent, minutes=9 * 60 + 59)
    assert client.get(ME).status_code == 200
    assert AuthToken.objects.get(user=talent).expiry < timezone.now() + dt.timedelta(minutes=2)
    # after 10 h: refused, and the row is gone
    move_token_clock(talent, minutes=2)
    response = client.get(ME)
    assert response.status_code == 401
    assert AuthToken.objects.filter(user=talent).count() == 0


def test_each_login_gets_its_own_token(make_user):
    talent = make_user(roles.TALENT, username="lihua")
    phone, laptop = login("lihua"), login("lihua")
    assert AuthToken.objects.filter(user=talent).count() == 2
    assert phone.get(ME).status_code == laptop.get(ME).status_code == 200


# --- staff: 30 minutes idle ----------------------------------------------------------------------


def test_a_staff_token_ends_after_30_idle_minutes(make_user):
    clerk = make_user(roles.INTAKE_CLERK, username="clerk")
    client = login("clerk")
    expiry = AuthToken.objects.get(user=clerk).expiry
    assert expiry - timezone.now() <= dt.timedelta(seconds=settings.STAFF_IDLE_TIMEOUT_SECONDS)

    move_token_clock(clerk, minutes=31)

    assert client.get(ME).status_code == 401
    assert AuthToken.objects.filter(user=clerk).count() == 0


def test_a_staff_token_in_use_stays_alive_past_30_minutes(make_user):
    clerk = make_user(roles.INTAKE_CLERK, username="clerk")
    client = login("clerk")
    # used every 20 minutes for an hour: each use moves the idle window forward
    for _ in range(3):
        move_token_clock(clerk, minutes=20)
        assert client.get(ME).status_code == 200
    token = AuthToken.objects.get(user=clerk)
    assert timezone.now() + dt.timedelta(minutes=29) < token.expiry
    assert token.created < timezone.now() - dt.timedelta(minutes=59)


def test_a_staff_token_is_not_renewed_past_the_ttl(make_user):
    clerk = make_user(roles.INTAKE_CLERK, username="clerk")
    client = login("clerk")
    AuthToken.objects.filter(user=clerk).update(
        created=timezone.now() - dt.timedelta(hours=9, minutes=50), expiry=timezone.now() + dt.timedelta(minutes=20)
    )

    assert client.get(ME).status_code == 200

    token = AuthToken.objects.get(user=clerk)
    assert token.expiry <= token.created + dt.timedelta(hours=10)


def test_a_talent_made_staff_falls_under_the_idle_rule(make_user):
    user = make_user(roles.TALENT, username="lihua")
    client = login("lihua")
    user.is_staff = True
    user.save(update_fields=["is_staff"])

    assert client.get(ME).status_code == 200

    assert AuthToken.objects.get(user=user).expiry <= timezone.now() + dt.timedelta(minutes=30)


# --- logout and log out everywhere ---------------------------------------------------------------


def test_logout_revokes_this_token_only(make_user):
    talent = make_user(roles.TALENT, username="lihua")
    phone, laptop = login("lihua"), login("lihua")

    response = phone.post("/api/v1/auth/logout/")

    assert response.status_code == 204
    assert phone.get(ME).status_code == 401
    assert laptop.get(ME).status_code == 200
    assert AuthToken.objects.filter(user=talent).count() == 1


def test_logout_all_revokes_every_token_of_the_account_only(make_user):
    talent = make_user(roles.TALENT, username="lihua")
    other = make_user(roles.TALENT, username="wangfang")
    phone, laptop, someone_else = login("lihua"), login("lihua"), login("wangfang")

    response = laptop.post("/api/v1/auth/logout-all/")

    assert response.status_code == 204
    assert phone.get(ME).status_code == laptop.get(ME).status_code == 401
    assert AuthToken.objects.filter(user=talent).count() == 0
    assert someone_else.get(ME).status_code == 200
    assert AuthToken.objects.filter(user=other).count() == 1


@pytest.mark.parametrize("path", ["/api/v1/auth/logout/", "/api/v1/auth/logout-all/", "/api/v1/auth/password/"])
def test_anonymous_and_revoked_callers_may_not_use_the_token_endpoints(make_user, path):
    talent = make_user(roles.TALENT, username="lihua")
    client = login("lihua")
    client.post("/api/v1/auth/logout/")
    count = AuthToken.objects.count()

    assert APIClient().post(path, {}, format="json").status_code == 401
    assert client.post(path, {}, format="json").status_code == 401
    assert APIClient().post(path, HTTP_AUTHORIZATION="Token nonsense").status_code == 401
    assert AuthToken.objects.count() == count
    talent.refresh_from_db()
    assert talent.check_password(PASSWORD)


# --- password changes ------------------------------------------------------------------------------


def test_changing_the_password_revokes_every_token_and_answers_a_new_one(make_user):
    talent = make_user(roles.TALENT, username="lihua")
    phone, laptop = login("lihua"), login("lihua")

    response = laptop.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert set(response.json()) == {"token", "expiry"}
    assert phone.get(ME).status_code == laptop.get(ME).status_code == 401
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {response.json()['token']}").status_code == 200
    assert AuthToken.objects.filter(user=talent).count() == 1
    talent.refresh_from_db()
    assert talent.check_password(NEW_PASSWORD)
    assert APIClient().post(TOKEN, {"username": "lihua", "password": PASSWORD}, format="json").status_code == 400


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"old_password": "Wrong#Pass2026", "new_password": NEW_PASSWORD}, {"old_password": ["原密码不正确"]}),
        (
            {"old_password": PASSWORD, "new_password": "12345678"},
            {
                "new_password": [
                    "这个密码太常见了。",
                    "密码只包含数字。",
                    "密码须包含大写字母、小写字母、数字、符号中的至少3类",
                ]
            },
        ),
        ({"old_password": PASSWORD}, {"new_password": ["该字段是必填项。"]}),
        ({"new_password": NEW_PASSWORD}, {"old_password": ["该字段是必填项。"]}),
    ],
    ids=["wrong-old-password", "weak-new-password", "no-new-password", "no-old-password"],
)
def test_a_refused_password_change_names_the_field_and_changes_nothing(make_user, body, errors):
    talent = make_user(roles.TALENT, username="lihua")
    client = login("lihua")

    response = client.post("/api/v1/auth/password/", body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    talent.refresh_from_db()
    assert talent.check_password(PASSWORD)
    assert client.get(ME).status_code == 200
    assert AuthToken.objects.filter(user=talent).count() == 1


def test_a_password_set_by_staff_in_the_admin_revokes_the_accounts_tokens(make_user):
    talent = make_user(roles.TALENT, username="lihua")
    bystander = make_user(roles.TALENT, username="wangfang")
    client, other = login("lihua"), login("wangfang")
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.cn", PASSWORD))

    response = admin.post(
        f"/admin/accounts/user/{talent.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    talent.refresh_from_db()
    assert talent.check_password(NEW_PASSWORD)
    assert client.get(ME).status_code == 401
    assert other.get(ME).status_code == 200
    assert AuthToken.objects.filter(user=bystander).count() == 1


def test_any_saved_password_change_revokes_tokens_but_a_login_does_not(make_user):
    talent = make_user(roles.TALENT, username="lihua")
    client = login("lihua")
    # a login (and saving other fields) keeps the tokens
    assert Client().post("/accounts/login/", {"username": "lihua", "password": PASSWORD}).status_code == 302
    talent.first_name = "华"
    talent.save()
    assert client.get(ME).status_code == 200

    talent.set_password(NEW_PASSWORD)
    talent.save()

    assert client.get(ME).status_code == 401


def test_token_issue_for_staff_and_talents(make_user):
    clerk, talent = make_user(roles.INTAKE_CLERK), make_user(roles.TALENT)
    staff_token, _ = token_issue(user=clerk)
    talent_token, _ = token_issue(user=talent)
    now = timezone.now()
    assert staff_token.expiry - now <= dt.timedelta(minutes=30)
    assert talent_token.expiry - now > dt.timedelta(hours=9)


# --- the OpenAPI schema --------------------------------------------------------------------------


def test_the_schema_documents_the_new_auth_endpoints(api_client):
    import yaml

    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)
    paths, components = schema["paths"], schema["components"]

    def request_fields(path: str) -> set[str]:
        ref = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return set(components["schemas"][ref.rsplit("/", 1)[1]]["properties"])

    def response_fields(path: str, status: str) -> set[str]:
        ref = paths[path]["post"]["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        return set(components["schemas"][ref.rsplit("/", 1)[1]]["properties"])

    assert request_fields("/api/v1/auth/register/verify/") == {"username", "code"}
    assert "200" in paths["/api/v1/auth/register/verify/"]["post"]["responses"]
    assert response_fields("/api/v1/auth/register/", "202") == {"username", "detail", "expires_in"}
    assert request_fields("/api/v1/auth/register/resend/") == {"username"}
    assert request_fields("/api/v1/auth/password/") == {"old_password", "new_password"}
    assert response_fields("/api/v1/auth/password/", "200") == {"token", "expiry"}
    assert response_fields("/api/v1/auth/token/", "200") == {"token", "expiry"}
    for path in ("/api/v1/auth/logout/", "/api/v1/auth/logout-all/"):
        assert set(paths[path]) == {"post"}
        assert "204" in paths[path]["post"]["responses"]
        assert {"tokenAuth": []} in paths[path]["post"]["security"]
    assert components["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert response_fields("/api/v1/talents/me/claim/", "202") == {"detail", "expires_at"}
    assert request_fields("/api/v1/talents/me/claim/confirm/") == {"id_number", "code"}


def test_the_hourly_task_removes_expired_tokens_and_stale_registrations(make_user):
    from apps.accounts.tasks import unverified_accounts_purge

    talent = make_user(roles.TALENT, username="lihua")
    login("lihua"), login("lihua")
    live = login("lihua")
    for token in AuthToken.objects.filter(user=talent)[:2]:
        AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))

    assert unverified_accounts_purge.delay().get() == 2

    assert AuthToken.objects.filter(user=talent).count() == 1
    assert live.get(ME).status_code == 200


def test_a_token_costs_one_query(make_user, django_assert_num_queries):
    make_user(roles.TALENT, username="lihua")
    client = login("lihua")
    for _ in range(3):
        login("lihua")  # other tokens of the account are not read on each request
    with django_assert_num_queries(1):
        from rest_framework.request import Request
        from rest_framework.test import APIRequestFactory

        from apps.accounts.authentication import PortalTokenAuthentication

        request = Request(APIRequestFactory().get(ME, HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"]))
        user, token = PortalTokenAuthentication().authenticate(request)
    assert user.username == "lihua"
