"""A path no route matches: JSON under /api/, the normal page elsewhere (with DEBUG off, as pytest runs)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/applications/1/actions/ACCEPT/",
        "/api/v1/notifications/abc/read/",
        "/api/v1/no-such-thing/",
        "/api/v2/applications/",
    ],
)
def test_an_unknown_api_path_is_a_json_404(path):
    assert settings.DEBUG is False
    owner = f.talent_user()

    for client in (f.client_for(owner), APIClient()):
        response = client.post(path, {}, format="json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "not found"}


def test_an_unknown_page_is_the_normal_html_404():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
