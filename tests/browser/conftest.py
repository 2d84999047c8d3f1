"""Browser tests: the portal's pages in a real Chromium, as a citizen sees them.

Every test under ``tests/browser/`` is marked ``browser`` (``pytest -m browser`` runs only these,
``-m "not browser"`` everything else). A test asks for ``page_for`` and the helpers it needs::

    def test_services_on_a_phone(page_for, login, axe_check, assert_citizen_page):
        page = page_for("en", 390)                 # new context: 390x844 touch phone, English
        login(page, "wangfang", PASSWORD)          # through /accounts/login/
        page.goto("/services/")                    # relative to the live server
        assert_citizen_page(page)
        axe_check(page)                            # WCAG 2.1 A/AA, fails on serious/critical

Fixtures:

``live_portal``
    The portal on pytest-django's ``live_server`` (a real HTTP server in a thread of this process,
    static files served from ``STATICFILES_DIRS`` by Django's ``StaticFilesHandler``, as
    ``StaticLiveServerTestCase`` does) on a transactional database: rows a test writes are
    committed so the server thread sees them, and the project's ``_reference_data`` fixture puts
    back the roles, categories and service catalog the data migrations wrote (each transactional
    test ends with a flush that empties every table).
``browser``
    One headless Debian Chromium per test process (per xdist worker), started on first use.
    Missing Chromium or Playwright: skipped on a developer's machine, a failure under ``CI=true``.
``page_for(language="zh-hans", width=1280, **context_options)``
    A fresh browser context (cookies, storage) and page per call, closed after the test:
    width 390 is a touch phone (390x844), 1280 a desktop (1280x800); ``language`` is ``zh-hans``
    or ``en`` and sets the browser locale, ``Accept-Language`` and Django's language cookie.
    ``page.goto("/path/")`` is relative to the live server. Requests to any other host (a CDN)
    are refused and, like uncaught JavaScript errors and a stylesheet, script, font or image
    answered 4xx/5xx, fail the test at teardown.
``login(page, username, password)``, ``axe_check(page)``, ``screenshot(page, name)``,
``assert_no_horizontal_scroll(page)``, ``assert_citizen_page(page)``
    See each fixture. ``SCREENSHOTS=1`` makes ``screenshot`` write ``docs/screenshots/NAME.png``
    (to refresh the repository's pictures); otherwise it writes under the test's tmp dir.

Users a test makes (``make_user``) are committed and can log in at once; ``PASSWORD`` from
``tests.fixtures`` is theirs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# As the root conftest decides it: under CI a missing browser fails the run instead of skipping.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling Google's hosts, which this network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    390: {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    1280: {"viewport": {"width": 1280, "height": 800}},
}
LOCALES = {
    "zh-hans": {"locale": "zh-CN", "accept_language": "zh-CN,zh;q=0.9"},
    "en": {"locale": "en-US", "accept_language": "en-US,en;q=0.9"},
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOT_DIR = REPO_ROOT / "docs" / "screenshots"
DEFAULT_TIMEOUT_MS = 10_000
ASSET_TYPES = {"stylesheet", "script", "font", "image", "media"}

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under this folder ``browser`` and run them after the others.

    Last, because once Playwright runs in a test process it keeps an asyncio loop running in the
    main thread until the process ends (see ``browser``): the other tests then keep Django's
    async-safety check, unless xdist hands one of them to a worker after its browser tests.
    """
    browser_items, other_items = [], []
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            browser_items.append(item)
        else:
            other_items.append(item)
    if browser_items:
        items[:] = other_items + browser_items


def _unavailable(why: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests need {why}, which is missing under CI=true (.ci/run installs it)")
    pytest.skip(f"needs {why}")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Debian Chromium, one per test process, driven by Playwright's sync API."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package (pip install -r requirements-dev.txt)")

    # Playwright's sync API runs an asyncio event loop in this (the main) thread from start() to
    # stop(), and Django refuses ORM calls while a loop is running in the calling thread
    # (SynchronousOnlyOperation): the test's own make_user(), and the flush that ends every
    # transactional test, would fail. Nothing here runs concurrently with that loop (each sync
    # call blocks until Playwright answers), so Django's check is a false alarm: switch it off
    # for as long as the browser lives. The live server is another thread and not affected.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - any launch failure means no browser
        playwright.stop()
        _restore_env("DJANGO_ALLOW_ASYNC_UNSAFE", previous)
        _unavailable(f"a Chromium that starts ({CHROMIUM}: {exc})")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        _restore_env("DJANGO_ALLOW_ASYNC_UNSAFE", previous)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@pytest.fixture
def live_portal(live_server, transactional_db):
    """The portal over HTTP for the browser: ``live_portal.url`` is ``http://localhost:PORT``.

    ``transactional_db`` is asked for by name so the project's ``_reference_data`` fixture sees it
    and replays the data migrations (roles, categories, service catalog) before the test.
    """
    return live_server


@pytest.fixture
def page_for(browser, live_portal) -> Iterator[Callable]:
    """``page_for(language="zh-hans", width=1280, **context_options)`` → a new Playwright page."""
    from django.conf import settings

    base_url = live_portal.url
    host = urlsplit(base_url).hostname
    contexts: list = []
    problems: list[str] = []

    def _route(route) -> None:
        if urlsplit(route.request.url).hostname in {host, None}:
            route.continue_()
        elif route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            problems.append(f"request to another host (no CDN, vendor it): {route.request.url}")
            route.abort()

    def _make(language: str = "zh-hans", width: int = 1280, **context_options):
        if language not in LOCALES:
            raise ValueError(f"language must be one of {sorted(LOCALES)}, not {language!r}")
        if width not in VIEWPORTS:
            raise ValueError(f"width must be one of {sorted(VIEWPORTS)}, not {width!r}")
        options = {
            **VIEWPORTS[width],
            "locale": LOCALES[language]["locale"],
            "timezone_id": "Asia/Shanghai",
            "extra_http_headers": {"Accept-Language": LOCALES[language]["accept_language"]},
            "base_url": base_url,
            **context_options,
        }
        context = browser.new_context(**options)
        contexts.append(context)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])
        context.route("**/*", _route)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error on {page.url}: {error}"))
        page.on("response", _check_asset)
        return page

    def _check_asset(response) -> None:
        # A stylesheet, script, font or picture the page asks for and does not get (a {% static %} typo).
        if response.status >= 400 and response.request.resource_type in ASSET_TYPES:
            problems.append(f"{response.request.resource_type} {response.url} answered {response.status}")

    yield _make
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("the page did what a portal page must not:\n  " + "\n  ".join(problems))


@pytest.fixture
def login() -> Callable:
    """``login(page, username, password)``: log in through ``/accounts/login/``; fails if refused."""

    def _login(page, username: str, password: str):
        page.goto("/accounts/login/")
        form = page.locator("form:has(input[name='password'])")
        form.locator("input[name='username']").fill(username)
        form.locator("input[name='password']").fill(password)
        with page.expect_navigation():
            form.locator("button[type='submit'], input[type='submit']").first.click()
        if urlsplit(page.url).path == "/accounts/login/":
            alerts = page.locator("[role='alert'], .error, .errorlist").all_inner_texts()
            pytest.fail(f"login as {username!r} was refused: {' / '.join(alerts) or 'still on the login page'}")
        return page

    return _login


@pytest.fixture
def axe_check(live_portal) -> Callable:
    """``axe_check(page, *, disable=(), include=None)``: run axe-core (WCAG 2.0/2.1 A and AA).

    Fails listing every violation of impact serious or critical (rule id, help, first 3 targets);
    returns axe's full result so a test can look at the minor ones too. ``disable`` names rules to
    skip (say why in the test); ``include`` is a CSS selector to limit the check to.
    """
    from django.templatetags.static import static

    axe_url = live_portal.url + static("vendor/axe.min.js")

    def _check(page, *, disable: tuple[str, ...] | list[str] = (), include: str | None = None) -> dict:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(url=axe_url)
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        if disable:
            options["rules"] = {rule: {"enabled": False} for rule in disable}
        results = page.evaluate("([context, options]) => axe.run(context || document, options)", [include, options])
        bad = [v for v in results["violations"] if v.get("impact") in AXE_FAILING_IMPACTS]
        if bad:
            lines = []
            for violation in bad:
                targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
                more = len(violation["nodes"]) - len(targets)
                lines.append(
                    f"{violation['id']} ({violation['impact']}): {violation['help']} — "
                    f"{', '.join(targets)}{f' (+{more} more)' if more > 0 else ''}"
                )
            pytest.fail(f"axe: {len(bad)} serious/critical violation(s) on {page.url}:\n  " + "\n  ".join(lines))
        return results

    return _check


@pytest.fixture
def screenshot(tmp_path) -> Callable:
    """``screenshot(page, name)`` → path of a full-page PNG: ``docs/screenshots/NAME.png`` when
    ``SCREENSHOTS=1`` is set, the test's tmp dir otherwise (CI never rewrites the repository)."""

    def _shot(page, name: str) -> Path:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name.removesuffix(".png")).strip("-") or "page"
        folder = SCREENSHOT_DIR if os.environ.get("SCREENSHOTS") == "1" else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def assert_no_horizontal_scroll() -> Callable:
    """``assert_no_horizontal_scroll(page)``: nothing is wider than the viewport (390 px phones).

    Compares ``document.documentElement.scrollWidth`` with the narrower of ``window.innerWidth``
    and ``document.documentElement.clientWidth``: with ``is_mobile`` Chromium widens
    ``innerWidth`` to whatever the content needs (a 450 px table gives innerWidth 450 in a 390 px
    phone), so ``innerWidth`` alone would never see the overflow on a phone. On failure names the
    elements that stick out past the right edge, widest first.
    """

    def _assert(page) -> None:
        widths = page.evaluate(
            """() => ({scroll: document.documentElement.scrollWidth,
                       view: Math.min(window.innerWidth, document.documentElement.clientWidth)})"""
        )
        if widths["scroll"] <= widths["view"]:
            return
        culprits = page.evaluate(
            """(view) => {
                const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                    (typeof el.className === 'string' && el.className.trim()
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
                const out = [];
                for (const el of document.body.querySelectorAll('*')) {
                    const right = el.getBoundingClientRect().right + window.scrollX;
                    if (right > view + 0.5) out.push([describe(el), Math.round(right)]);
                }
                out.sort((a, b) => b[1] - a[1]);
                return out.slice(0, 5);
            }""",
            widths["view"],
        )
        listed = ", ".join(f"{sel} (right edge {right}px)" for sel, right in culprits) or "none found"
        pytest.fail(
            f"horizontal scroll on {page.url}: the page is {widths['scroll']}px wide in a {widths['view']}px "
            f"viewport; sticking out: {listed}"
        )

    return _assert


ADMIN_BRANDING = ("Django administration", "Django 管理", "站点管理", "Django site admin", "Django REST framework")


@pytest.fixture
def assert_citizen_page() -> Callable:
    """``assert_citizen_page(page)``: a page for the public, not raw JSON, a traceback or the admin."""

    def _assert(page) -> None:
        text = page.locator("body").inner_text().strip()
        title = page.title()
        problems = []
        if text.startswith(('{"', '[{"')):
            problems.append(f"the body is JSON: {text[:120]!r}")
        if "Traceback" in text:
            problems.append("the body shows a Python traceback")
        for brand in ADMIN_BRANDING:
            if brand in text or brand in title:
                problems.append(f"Django admin or API branding {brand!r}")
        if problems:
            pytest.fail(f"not a citizen's page at {page.url}: " + "; ".join(problems))

    return _assert
