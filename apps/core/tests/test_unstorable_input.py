"""Values PostgreSQL cannot store — a NUL character, a lone surrogate, a non-finite number — in any
body (JSON, multipart, urlencoded form, a page's form) answer 400 naming the field, never a 500, and
nothing is written."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.talents.models import Talent
from apps.workflow.models import Application
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


def post_raw(client: APIClient, method: str, url: str, body: str):
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.fixture
def owner():
    f.service()
    return f.talent_user()


@pytest.fixture
def owner_client(owner) -> APIClient:
    return f.client_for(owner)


# --- JSON: NUL -----------------------------------------------------------------------------------


def test_a_nul_in_a_nested_value_on_create_is_a_400_naming_the_field(owner_client):
    # when a talent creates an application whose data holds a NUL
    body = json.dumps({"service": f.SERVICE, "data": {"u": NUL}})
    response = post_raw(owner_client, "post", "/api/v1/applications/", body)

    # then the field is named, with the nested path in the message, and nothing was written
    assert response.status_code == 400
    assert list(response.json()) == ["data"]
    assert response.json()["data"][0].startswith("data.u: ")
    assert Application.objects.count() == 0


def test_a_nul_in_a_key_is_a_400(owner_client):
    body = json.dumps({"service": f.SERVICE, "data": {"k\x00": "v"}})
    response = post_raw(owner_client, "post", "/api/v1/applications/", body)

    assert response.status_code == 400
    assert response.json()["data"][0].startswith("data.k\\u0000: ")
    assert Application.objects.count() == 0


def test_a_nul_in_a_list_item_names_its_index(owner_client):
    body = json.dumps({"service": f.SERVICE, "data": {"list": ["ok", {"deep": NUL}]}})
    response = post_raw(owner_client, "post", "/api/v1/applications/", body)

    assert response.status_code == 400
    assert response.json()["data"][0].startswith("data.list.1.deep: ")
    assert Application.objects.count() == 0


def test_a_lone_surrogate_is_a_400(owner_client):
    body = f'{{"service": "{f.SERVICE}", "data": {{"u": "\\ud800"}}}}'
    response = post_raw(owner_client, "post", "/api/v1/applications/", body)

    assert response.status_code == 400
    assert response.json()["data"][0].startswith("data.u: ")
    assert Application.objects.count() == 0


# --- JSON: non-finite numbers --------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1e999", "-1e999", "NaN", "Infinity", "-Infinity"])
def test_a_non_finite_number_on_create_is_a_400_naming_the_field(owner_client, number):
    body = f'{{"service": "{f.SERVICE}", "data": {{"a": {number}}}}}'
    response = post_raw(owner_client, "post", "/api/v1/applications/", body)

    assert response.status_code == 400
    assert list(response.json()) == ["data"]
    assert response.json()["data"][0].startswith("data.a: ")
    assert Application.objects.count() == 0


def test_finite_numbers_still_go_through(owner_client):
    body = f'{{"service": "{f.SERVICE}", "data": {{"a": 1.5e10, "b": 3, "c": -0.25}}}}'
    response = post_raw(owner_client, "post", "/api/v1/applications/", body)

    assert response.status_code == 201, response.json()
    assert Application.objects.get().data == {"a": 1.5e10, "b": 3, "c": -0.25}


# --- edits and actions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ['{"data": {"u": "a\\u0000b"}}', '{"data": {"a": 1e999}}', '{"data": {"a": NaN}}'],
)
def test_patch_with_an_unstorable_value_is_a_400_and_changes_nothing(owner, owner_client, body):
    application = f.draft(owner)
    before = f.snapshot(application.pk)

    response = post_raw(owner_client, "patch", f"/api/v1/applications/{application.pk}/", body)

    assert response.status_code == 400
    assert response.json()["data"][0].startswith("data.")
    assert f.snapshot(application.pk) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [('{"note": "a\\u0000b"}', "note"), ('{"amount": 1e999}', "amount"), ('{"x": {"y": Infinity}}', "x")],
)
def test_an_action_body_with_an_unstorable_value_is_a_400_and_changes_nothing(owner, owner_client, body, field):
    application = f.draft(owner)
    before = f.snapshot(application.pk)

    response = post_raw(owner_client, "post", f"/api/v1/applications/{application.pk}/actions/withdraw/", body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert f.snapshot(application.pk) == before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_the_talent_profile_refuses_a_nul_naming_the_field(method):
    account = f.user()
    client = f.client_for(account)

    response = post_raw(client, method, "/api/v1/talents/me/", json.dumps({"name": "李\x00华", "degree": "x"}))

    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert not Talent.objects.filter(user=account).exists()


def test_a_top_level_value_that_is_not_an_object_is_still_refused_without_a_500(owner_client):
    response = post_raw(owner_client, "post", "/api/v1/applications/", '["a\\u0000b"]')

    assert response.status_code == 400
    assert Application.objects.count() == 0


# --- forms ---------------------------------------------------------------------------------------


def test_a_multipart_create_with_a_nul_is_a_400_naming_the_field(owner_client):
    response = owner_client.post("/api/v1/applications/", {"service": f.SERVICE, "remarks": NUL}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"remarks": [response.json()["remarks"][0]]}
    assert response.json()["remarks"][0].startswith("remarks: ")
    assert Application.objects.count() == 0


def test_an_upload_with_a_nul_in_the_material_field_is_a_400(owner, owner_client):
    application = f.draft(owner)
    before = f.snapshot(application.pk)

    response = f.upload(owner_client, application.pk, "id\x00card", f.pdf_bytes())

    assert response.status_code == 400
    assert list(response.json()) == ["material"]
    assert f.snapshot(application.pk) == before


def test_an_urlencoded_action_with_a_nul_is_a_400(owner, owner_client):
    application = f.draft(owner)
    before = f.snapshot(application.pk)

    response = owner_client.post(
        f"/api/v1/applications/{application.pk}/actions/withdraw/",
        "note=a%00b",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["note"]
    assert f.snapshot(application.pk) == before


def test_the_application_page_form_refuses_a_nul_in_the_remarks():
    # given a talent with a profile on the web pages
    account = f.talent_user()
    client = Client()
    client.force_login(account)

    # when the new-application form carries a NUL in the remarks
    response = client.post("/my/applications/new/?service=hukou", {"service": "hukou", "remarks": NUL})

    # then Django's CharField refuses it (ProhibitNullCharactersValidator): the form again, nothing written
    assert response.status_code == 400
    assert "remarks" in response.context["form"].errors
    assert Application.objects.count() == 0
