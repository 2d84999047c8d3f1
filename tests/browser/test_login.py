"""Logging in through the web form in Chromium (and an example of a browser test with a user)."""

from __future__ import annotations

from urllib.parse import urlsplit

from apps.accounts import roles
from tests.fixtures import PASSWORD


def test_a_talent_logs_in_on_a_phone(page_for, login, make_user, assert_citizen_page):
    make_user(roles.TALENT, username="wangfang")  # committed: the live server sees it
    page = page_for("en", 390)
    login(page, "wangfang", PASSWORD)  # fails the test if the form is shown again
    assert urlsplit(page.url).path != "/accounts/login/"
    assert any(cookie["name"] == "sessionid" for cookie in page.context.cookies(page.url))
    assert_citizen_page(page)
