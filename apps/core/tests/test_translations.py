"""The English catalogue (``locale/en/LC_MESSAGES/django.po``): complete, compiled, and used.

The portal's source language is Chinese: msgids are Chinese and the catalogue maps them to English.
Every msgid has a real translation (none empty, none fuzzy), the committed ``django.mo`` says the
same as the ``.po`` (``make messages`` rebuilds both), every literal the templates and the code mark
for translation is in the catalogue, and an English reader gets English pages and API errors.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

HAN = re.compile(r"[\u4e00-\u9fff]")
LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO, MO = LOCALE / "django.po", LOCALE / "django.mo"
# Translations that quote Chinese on purpose: the cell values a spreadsheet must hold.
QUOTES_CHINESE = {"请填“是”或“否”"}
# The language switch names Chinese in Chinese, whichever language the page is in.
LANGUAGE_SWITCH = re.compile(r'<button[^>]*name="language"[^>]*>简体中文</button>')


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO))


def _key(context: str | None, msgid: str) -> str:
    return f"{context}\x04{msgid}" if context else msgid


# --- the catalogue ----------------------------------------------------------------------------


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    assert po.metadata["Language"] == "en"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    assert [e.msgid for e in po.untranslated_entries()] == []
    for entry in po:
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        assert all(text.strip() for text in texts), entry.msgid
        # a translation, not the Chinese left in place
        assert entry.msgid in QUOTES_CHINESE or not any(HAN.search(text) for text in texts), entry.msgid


def test_placeholders_survive_translation(po):
    placeholder = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
    for entry in po:
        wanted = {m.group(0) for m in placeholder.finditer(entry.msgid)}
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert {m.group(0) for m in placeholder.finditer(text)} == wanted, entry.msgid


def test_the_compiled_catalogue_matches_the_po(po):
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    catalog = {k: v for k, v in compiled._catalog.items() if k != ""}  # type: ignore[attr-defined]
    expected: dict = {}
    for entry in po:
        if entry.obsolete:
            continue
        key = _key(entry.msgctxt, entry.msgid)
        if entry.msgid_plural:
            for n, text in entry.msgstr_plural.items():
                expected[(key, int(n))] = text
        else:
            expected[key] = entry.msgstr
    assert catalog == expected, "run `make messages` (or manage.py compilemessages) and commit django.mo"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt")
def test_msgfmt_accepts_the_po_and_compiles_the_same_catalogue(tmp_path):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(PO)], check=True, capture_output=True)
    with out.open("rb") as fresh, MO.open("rb") as committed:
        assert gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]


# --- what the sources mark for translation is in it --------------------------------------------

TEMPLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1(?:\s+context\s+(["'])(.+?)\3)?[\s%]""")
CALLS = {"gettext": 0, "gettext_lazy": 0, "_": 0, "gettext_noop": 0, "pgettext": 1, "pgettext_lazy": 1}


def _template_msgids() -> set[str]:
    found = set()
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        for match in TEMPLATE_TAG.finditer(path.read_text()):
            found.add(_key(match.group(4), match.group(2)))
    return found


def _python_msgids() -> set[str]:
    found = set()
    for path in (Path(settings.BASE_DIR) / "apps").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in CALLS or len(node.args) <= CALLS[name]:
                continue
            args = node.args[: CALLS[name] + 1]
            if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                values = [a.value for a in args]  # type: ignore[attr-defined]
                found.add(_key(values[0], values[1]) if CALLS[name] else values[0])
    return found


def test_every_marked_literal_is_in_the_catalogue(po):
    known = {_key(e.msgctxt, e.msgid) for e in po}
    marked = {m for m in _template_msgids() | _python_msgids() if HAN.search(m)}
    assert sorted(marked - known) == [], "run `make messages` and translate the new entries"


# --- an English reader -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/services/", "/services/hukou/", "/lookup/", "/accounts/login/", "/accounts/register/"]
)
def test_an_english_page_has_no_chinese_but_the_language_switch(path):
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert LANGUAGE_SWITCH.search(html)  # the one place Chinese stays
    leftover = [html[max(0, m.start() - 60) : m.end() + 20] for m in HAN.finditer(LANGUAGE_SWITCH.sub("", html))]
    assert leftover == []


@pytest.mark.django_db
def test_the_same_page_is_chinese_by_default():
    html = Client().get("/services/hukou/").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "办事指南" in html and "Service guide" not in html


@pytest.mark.django_db
def test_an_api_error_comes_out_in_the_language_asked_for(api_client, make_user):
    make_user(username="wangfang")
    body = {"username": "WangFang", "password": "Haizhu#2026x", "email": "wf@example.cn"}

    english = api_client.post("/api/v1/auth/register/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api_client.post("/api/v1/auth/register/", body, format="json")

    assert english.status_code == chinese.status_code == 400
    assert english.json() == {"username": ["this username is taken"]}  # the field name is the contract's
    assert chinese.json() == {"username": ["该用户名已被使用"]}


@pytest.mark.django_db
def test_a_lookup_error_page_in_english(client):
    response = client.post("/lookup/", {"number": "nonsense", "phone_last4": ""}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    html = response.content.decode()
    assert "a number looks like HZ2026-000123" in html and "this field is required" in html
    assert not HAN.search(LANGUAGE_SWITCH.sub("", html))
