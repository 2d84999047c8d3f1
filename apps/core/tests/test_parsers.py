"""Bodies no JSON endpoint can use answer 400, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

DEEP = "[" * 100000


def test_a_deeply_nested_body_to_the_token_endpoint_is_a_400():
    # given an anonymous client
    client = APIClient()

    # when it posts 100,000 opening brackets as JSON
    response = client.post("/api/v1/auth/token/", DEEP, content_type="application/json")

    # then the body is refused as unreadable
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - the body is nested too deeply"}


def test_a_deeply_nested_object_to_the_token_endpoint_is_a_400():
    response = APIClient().post("/api/v1/auth/token/", '{"a":' * 50000, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - the body is nested too deeply"}


def test_a_deeply_nested_body_to_the_applications_endpoints_changes_nothing():
    # given a talent with a draft
    f.service()
    owner = f.talent_user()
    application = f.draft(owner)
    before = f.snapshot(application.pk)
    client = f.client_for(owner)

    # when deep bodies reach create, edit and an action
    responses = [
        client.post("/api/v1/applications/", DEEP, content_type="application/json"),
        client.patch(f"/api/v1/applications/{application.pk}/", DEEP, content_type="application/json"),
        client.post(f"/api/v1/applications/{application.pk}/actions/submit/", DEEP, content_type="application/json"),
    ]

    # then each is a 400 and nothing changed
    assert [r.status_code for r in responses] == [400, 400, 400]
    assert {r.json()["detail"] for r in responses} == {"JSON parse error - the body is nested too deeply"}
    assert f.snapshot(application.pk) == before
    assert Application.objects.count() == 1
    assert ApplicationEvent.objects.filter(application=application).count() == 1


def test_malformed_json_is_still_a_400():
    response = APIClient().post("/api/v1/auth/token/", '{"username": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")
