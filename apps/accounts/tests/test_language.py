"""The language a person chooses is remembered on their account: it comes back when they log in on
another browser, and their e-mail and SMS speak it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from apps.accounts import roles, services
from apps.core.exceptions import ValidationFailed
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def choose(client: Client, language: str):
    return client.post("/i18n/setlang/", {"language": language, "next": "/"})


def test_a_logged_in_user_who_chooses_a_language_keeps_it(make_user):
    # given a logged-in talent who never chose a language
    user = make_user(roles.TALENT)
    client = Client()
    client.force_login(user)

    # when they switch to English
    response = choose(client, "en")

    # then, as with Django's view, they go back with the cookie set, and the account remembers it
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[COOKIE].value == "en"
    user.refresh_from_db()
    assert user.language == "en"


def test_an_anonymous_choice_sets_the_cookie_only(make_user):
    user = make_user(roles.TALENT)

    response = choose(Client(), "en")

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    user.refresh_from_db()
    assert user.language == ""


@pytest.mark.parametrize("language", ["fr", "xx-nonsense", ""])
def test_a_language_the_portal_does_not_speak_is_not_stored(make_user, language):
    # given a user who chose Chinese before
    user = make_user(roles.TALENT)
    services.user_language_set(user=user, language="zh-hans")
    client = Client()
    client.force_login(user)

    # when they post a language outside settings.LANGUAGES (Django itself knows "fr")
    response = choose(client, language)

    # then the account keeps its choice and pages stay in Chinese
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert client.get("/").headers["Content-Language"] == "zh-hans"


def test_a_get_changes_nothing(make_user):
    user = make_user(roles.TALENT)
    client = Client()
    client.force_login(user)

    response = client.get("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert COOKIE not in response.cookies
    user.refresh_from_db()
    assert user.language == ""


def test_the_service_refuses_a_language_the_portal_does_not_speak(make_user):
    user = make_user(roles.TALENT)

    with pytest.raises(ValidationFailed) as caught:
        services.user_language_set(user=user, language="fr")

    assert set(caught.value.as_data()) == {"language"}
    user.refresh_from_db()
    assert user.language == ""


def test_logging_in_with_a_stored_language_sets_the_cookie(make_user):
    # given an account that chose English on another browser
    user = make_user(roles.TALENT)
    services.user_language_set(user=user, language="en")

    # when it logs in on a fresh browser
    response = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})

    # then the response carries the language cookie
    assert response.status_code == 302, response.content
    assert response.cookies[COOKIE].value == "en"


def test_logging_in_without_a_stored_language_sets_no_cookie(make_user):
    user = make_user(roles.TALENT)

    response = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert COOKIE not in response.cookies


def test_a_stored_language_serves_pages_when_the_browser_has_no_cookie(make_user):
    user = make_user(roles.TALENT)
    services.user_language_set(user=user, language="en")
    client = Client()
    client.force_login(user)

    assert client.get("/").headers["Content-Language"] == "en"
    # a cookie (the switcher on this browser) still wins
    client.cookies[COOKIE] = "zh-hans"
    assert client.get("/").headers["Content-Language"] == "zh-hans"


def test_a_cookie_for_a_language_the_portal_does_not_speak_does_not_hide_the_stored_one(make_user):
    user = make_user(roles.TALENT)
    services.user_language_set(user=user, language="en")
    client = Client()
    client.force_login(user)
    client.cookies[COOKIE] = "fr"

    assert client.get("/").headers["Content-Language"] == "en"


def test_without_a_stored_language_the_default_applies(make_user):
    client = Client()
    client.force_login(make_user(roles.TALENT))

    assert client.get("/").headers["Content-Language"] == settings.LANGUAGE_CODE
