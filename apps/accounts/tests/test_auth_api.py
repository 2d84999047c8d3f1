import pytest

from apps.accounts import roles
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def test_register_token_me(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "lihua", "password": "Str0ng#Pass", "phone": "13812345678"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
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


def test_lockout_after_five_failures(api_client, make_user):
    user = make_user(roles.TALENT)
    for _ in range(5):
        r = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"}, format="json")
        assert r.status_code in (400, 429)
    r = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert r.status_code == 429
    assert "detail" in r.json()
