"""Smoke test of the public pages in Chromium: Chinese and English, phone and desktop.

Each page must answer 200 in the language asked for, look like a page for citizens (no JSON, no
traceback, no admin branding), fit a 390 px phone without scrolling sideways and have no serious
or critical WCAG 2.1 A/AA violation. Every check runs and all failures are reported together.
"""

from __future__ import annotations

import pytest

PAGES = ["/", "/services/", "/lookup/", "/accounts/login/"]
LANGUAGES = ["zh-hans", "en"]
WIDTHS = [390, 1280]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_public_page(
    path,
    language,
    width,
    page_for,
    assert_citizen_page,
    assert_no_horizontal_scroll,
    axe_check,
    screenshot,
):
    page = page_for(language, width)
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    screenshot(page, f"public{path.rstrip('/').replace('/', '-') or '-home'}-{language}-{width}")

    failures = []

    def check(name, assertion):
        try:
            assertion()
        except (AssertionError, pytest.fail.Exception) as exc:
            failures.append(f"[{name}] {exc}")

    def rendered_in_language():
        lang = page.evaluate("() => document.documentElement.lang").lower()
        assert lang.startswith("zh" if language == "zh-hans" else "en"), f"<html lang={lang!r}> for {language}"

    check("language", rendered_in_language)
    check("citizen page", lambda: assert_citizen_page(page))
    check("horizontal scroll", lambda: assert_no_horizontal_scroll(page))
    check("axe", lambda: axe_check(page))
    if failures:
        pytest.fail(f"{path} ({language}, {width}px):\n" + "\n".join(failures), pytrace=False)
