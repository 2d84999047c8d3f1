"""The web login page for talents and HR: username, phone or e-mail."""

import pytest

from apps.accounts import roles
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_talent_logs_in_on_the_web_with_a_phone_and_is_redirected(client, make_user):
    make_user(roles.TALENT, username="wangfang", phone="13700001111")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "13700001111", "password": PASSWORD, "next": "/services/"})
    assert response.status_code == 302
    assert response["Location"] == "/services/"
    assert client.get("/").context["user"].username == "wangfang"


def test_a_wrong_password_shows_the_form_again(client, make_user):
    make_user(roles.TALENT, username="wangfang")
    response = client.post("/accounts/login/", {"username": "wangfang", "password": "Wrong#123"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
