"""The public status lookup (办件查询): nothing personal, no oracle for phone numbers, rate-limited."""

from __future__ import annotations

from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.core import crypto
from apps.enterprises.services import enterprise_create, enterprise_member_set
from apps.talents.services import talent_create
from apps.workflow import public, services
from apps.workflow.models import Application
from apps.workflow.tests.factories import upload_required

pytestmark = pytest.mark.django_db

URL = "/api/v1/lookup/"
KEYS = {
    "number",
    "service",
    "service_name",
    "status",
    "status_display",
    "submitted_on",
    "accepted_on",
    "decided_on",
    "completed_on",
    "deadline",
}


@pytest.fixture
def application(make_user):
    from tests.test_application_flow_helpers import valid_credit_code

    enterprise = enterprise_create(name="海珠云帆网络科技有限公司", credit_code=valid_credit_code("914401057080002"))
    hr = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=hr, enterprise=enterprise)
    talent = talent_create(name="郑思远", id_number="11010519491231002X", phone="13987654321", employer=enterprise)
    app = services.application_create(user=hr, service_code="hukou", talent_id=talent.pk)
    upload_required(app, hr)
    services.application_act(application_id=app.pk, action="submit", actor=hr)
    services.application_precheck(application_id=app.pk)
    services.application_act(application_id=app.pk, action="accept", actor=make_user(roles.INTAKE_CLERK))
    return Application.objects.get(pk=app.pk)


def lookup(client: APIClient, number: str, last4: str | None = "4321", **extra):
    params = {"number": number}
    if last4 is not None:
        params["phone_last4"] = last4
    return client.get(URL, params, **extra)


def test_right_number_and_phone_answer_status_and_dates_only(application, api_client):
    r = lookup(api_client, application.number)

    assert r.status_code == 200
    body = r.json()
    assert set(body) == KEYS
    today = timezone.localdate().isoformat()
    assert body == {
        "number": application.number,
        "service": "hukou",
        "service_name": "人才入户",
        "status": "under_review",
        "status_display": "审核中",
        "submitted_on": today,
        "accepted_on": today,
        "decided_on": None,
        "completed_on": None,
        "deadline": application.deadline.isoformat(),
    }
    text = r.content.decode()
    for personal in ("郑思远", "1101", "002X", "13987654321", "4321"):
        assert personal not in text
    assert r["Cache-Control"] == "no-store"


def test_the_number_is_matched_whatever_its_case_and_spaces(application, api_client):
    assert lookup(api_client, f"  {application.number.lower()} ").status_code == 200


def test_a_wrong_phone_answers_exactly_like_an_unknown_number(application, api_client):
    wrong_phone = lookup(api_client, application.number, "0000")
    unknown = lookup(api_client, "HZ2026-999999", "4321")

    assert wrong_phone.status_code == unknown.status_code == 404
    assert wrong_phone.content == unknown.content
    assert wrong_phone.json() == {"detail": public.NOT_FOUND_MESSAGE}


def test_a_draft_is_not_found(make_user, application, api_client):
    hr = application.submitted_by
    draft = services.application_create(user=hr, service_code="green_card", talent_id=application.applicant_id)

    assert lookup(api_client, draft.number).content == lookup(api_client, "HZ2026-999999").content


def test_unknown_number_and_wrong_phone_do_the_same_work(application, django_assert_num_queries):
    real_decrypt = crypto.decrypt
    for number, last4 in ((application.number, "0000"), ("HZ2026-999999", "4321")):
        with mock.patch("apps.core.crypto.decrypt", side_effect=real_decrypt) as decrypt:
            with django_assert_num_queries(1):
                assert public.application_public_lookup(number=number, phone_last4=last4) is None
        assert decrypt.call_count == 1


@pytest.mark.parametrize(
    "params, fields",
    [
        ({}, {"number", "phone_last4"}),
        ({"phone_last4": "4321"}, {"number"}),
        ({"number": "HZ2026-000001"}, {"phone_last4"}),
        ({"number": "2026-1", "phone_last4": "4321"}, {"number"}),
        ({"number": "HZ2026-000001", "phone_last4": "43a1"}, {"phone_last4"}),
        ({"number": "HZ2026-000001", "phone_last4": "13987654321"}, {"phone_last4"}),
    ],
)
def test_missing_or_malformed_input_is_400_naming_the_field(api_client, params, fields):
    r = api_client.get(URL, params)

    assert r.status_code == 400
    assert set(r.json()) == fields
    assert all(isinstance(v, list) and v for v in r.json().values())


def test_anyone_may_look_up_even_with_a_stale_token(application, api_client):
    r = lookup(api_client, application.number, HTTP_AUTHORIZATION="Token not-a-real-token")

    assert r.status_code == 200


@pytest.mark.usefixtures("cache_backend")
def test_rate_limited_per_client_address(application, api_client):
    for _ in range(30):
        assert lookup(api_client, application.number).status_code == 200

    limited = lookup(api_client, application.number)
    spoofed = lookup(api_client, application.number, HTTP_X_FORWARDED_FOR="203.0.113.9")
    bad_input = api_client.get(URL, {})

    assert limited.status_code == 429 and "Retry-After" in limited
    assert spoofed.status_code == 429  # a client cannot pick its own address
    assert bad_input.status_code == 429
    assert lookup(api_client, application.number, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_schema_documents_the_lookup(api_client):
    r = api_client.get("/api/v1/schema/", {"format": "json"})

    assert r.status_code == 200
    operation = r.json()["paths"]["/api/v1/lookup/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"number", "phone_last4"}
    assert "/api/v1/applications/{id}/notices/" in r.json()["paths"]
