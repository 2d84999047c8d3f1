"""Usernames are NFKC-normalised; a name mixing alphabets (Latin with Cyrillic or Greek) or looking
like an existing one (its confusable skeleton) is refused; ordinary Chinese names still register."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.accounts import roles
from apps.accounts.services import user_create, user_register, username_skeleton
from apps.core.exceptions import ValidationFailed

pytestmark = pytest.mark.django_db

PASSWORD = "Test#Pass2026"
User = get_user_model()


def register(username: str, n: int):
    return user_register(username=username, password=PASSWORD, email=f"u{n}@example.cn")


def refusal(username: str, n: int = 99) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        register(username, n)
    return caught.value.as_data()["username"]


@pytest.fixture
def admin_demo():
    return user_create(
        username="admin_demo", password=PASSWORD, email="admin@example.cn", role_names=[roles.DISTRICT_ADMIN]
    )


def test_a_cyrillic_a_for_admin_demo_is_refused_and_nothing_is_created(admin_demo):
    lookalike = "\u0430dmin_demo"  # Cyrillic а

    assert lookalike != "admin_demo"
    assert refusal(lookalike) == ["用户名不能混用不同文字的字母（如拉丁字母与西里尔字母）"]
    assert User.objects.count() == 1


def test_a_mixed_script_name_is_refused_even_when_nothing_looks_like_it():
    assert refusal("p\u0430ssword_fan")  # Cyrillic а among Latin letters
    assert refusal("\u03bfmega")  # Greek ο among Latin letters
    assert not User.objects.exists()


def test_a_full_width_name_is_normalised_and_then_clashes():
    user_create(username="admin", password=PASSWORD, email="a@example.cn")

    assert refusal("\uff41\uff44\uff4d\uff49\uff4e") == ["该用户名已被使用"]  # ａｄｍｉｎ


def test_a_full_width_name_is_stored_normalised():
    account = register("\uff4c\uff49\uff48\uff55\uff41\uff12\uff10\uff12\uff16", 1)  # ｌｉｈｕａ２０２６

    assert account.username == "lihua2026"


def test_an_all_cyrillic_lookalike_of_an_existing_name_is_refused():
    user_create(username="cop", password=PASSWORD, email="c@example.cn")

    assert refusal("\u0441\u043e\u0440") == ["该用户名与已有用户名过于相似"]  # сор, all Cyrillic


def test_a_latin_name_that_looks_like_an_existing_cyrillic_one_is_refused():
    # An account whose name is all Cyrillic (сор) exists: the Latin "cop" looks the same
    User.objects.create_user(username="\u0441\u043e\u0440", password=PASSWORD)

    assert refusal("cop") == ["该用户名与已有用户名过于相似"]
    assert refusal("COP") == ["该用户名与已有用户名过于相似"]


@pytest.mark.parametrize("username", ["王芳2026", "李华", "zhang_wei", "Amy王", "иван", "σοφία"])
def test_ordinary_names_are_still_accepted(username):
    account = register(username, 2)

    assert account.username == username


def test_the_skeleton_maps_look_alikes_to_latin():
    assert username_skeleton("\u0430dmin_dem\u043e") == "admin_demo"
    assert username_skeleton("\u0410DMIN") == "admin"
    assert username_skeleton("\uff21\uff24\uff2d\uff29\uff2e") == "admin"


def test_registration_over_the_api_refuses_the_lookalike(admin_demo, client):
    response = client.post(
        "/api/v1/auth/register/",
        {"username": "\u0430dmin_demo", "password": PASSWORD, "email": "x@example.cn"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["username"]
    assert not User.objects.filter(email="x@example.cn").exists()


# --- log-in normalises the same way ----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["ａｄｍｉｎ＿ｄｅｍｏ", "ＡＤＭＩＮ_demo", "admin_demo"], ids=["full-width", "mixed-width", "plain"]
)
def test_the_token_endpoint_normalises_the_username(admin_demo, client, typed):
    response = client.post(
        "/api/v1/auth/token/", {"username": typed, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.json()["username"] == "admin_demo"


def test_the_login_page_normalises_the_username(admin_demo, client):
    response = client.post("/accounts/login/", {"username": "ａｄｍｉｎ＿ｄｅｍｏ", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_demo.pk)


def test_a_cyrillic_lookalike_does_not_log_in_as_the_account(admin_demo, client):
    response = client.post(
        "/api/v1/auth/token/", {"username": "аdmin_demo", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 400
