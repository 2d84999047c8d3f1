"""The service catalog through the API: paginated like every list (API.md), retrieved by code."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.workflow.models import ServiceDefinition

pytestmark = pytest.mark.django_db


def test_the_catalog_is_a_paginated_list():
    # given the catalog the migrations load, one service of it switched off
    ServiceDefinition.objects.filter(code="apartment").update(active=False)
    expected = list(
        ServiceDefinition.objects.filter(active=True).order_by("sort_order", "code").values_list("code", flat=True)
    )

    # when anyone lists it
    body = APIClient().get("/api/v1/services/").json()

    # then it has the contract's envelope
    assert list(body) == ["count", "next", "previous", "results"]
    assert (body["count"], body["next"], body["previous"]) == (4, None, None)
    assert [s["code"] for s in body["results"]] == expected
    assert "apartment" not in expected


def test_the_catalog_pages_on_request():
    body = APIClient().get("/api/v1/services/?page_size=2&page=2").json()

    assert body["count"] == 5
    assert body["next"] == "http://testserver/api/v1/services/?page=3&page_size=2"
    assert body["previous"] == "http://testserver/api/v1/services/?page_size=2"
    assert len(body["results"]) == 2


def test_a_service_is_retrieved_by_code():
    response = APIClient().get("/api/v1/services/hukou/")

    assert response.status_code == 200
    assert response.json()["code"] == "hukou"
    assert response.json()["time_limit_days"] == 14
