"""The API docs load Swagger UI from the portal's own static files (drf-spectacular-sidecar), never a
CDN: they work on a network without the internet, and no third party sees who reads them."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client


class _Assets(HTMLParser):
    """Every URL the page makes the browser fetch: script sources and linked files (stylesheets, icons)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(values["src"] or "")
        elif tag == "link" and values.get("href"):
            self.urls.append(values["href"] or "")


@pytest.mark.django_db
def test_the_api_docs_load_swagger_ui_only_from_static_files():
    # when anyone opens the API docs
    response = Client().get("/api/v1/docs/")

    # then every script, stylesheet and icon is one of the portal's static files, and each is there
    assert response.status_code == 200
    body = response.content.decode()
    parser = _Assets()
    parser.feed(body)
    assert len(parser.urls) >= 3  # swagger-ui.css, swagger-ui-bundle.js, the standalone preset (+ icon)
    # the start-up script is the docs view's own file (?script=), not inline code: the CSP allows no inline script
    own = [url for url in parser.urls if not url.startswith(settings.STATIC_URL)]
    assert own == ["/api/v1/docs/?script="]
    script = Client().get(own[0])
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    assert "SwaggerUIBundle" in script.content.decode()
    static = [url for url in parser.urls if url.startswith(settings.STATIC_URL)]
    missing = [url for url in static if finders.find(url.removeprefix(settings.STATIC_URL)) is None]
    assert missing == []
    assert "cdn.jsdelivr.net" not in body and "unpkg.com" not in body
