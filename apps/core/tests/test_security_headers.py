"""Response headers: the Content-Security-Policy (strict on our pages, relaxed styles only where pages
we do not write need them) and ``Cache-Control: no-store`` on whatever may carry personal data."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.workflow.models import MaterialRequirement
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "") and response.get("Pragma") == "no-cache"


def test_a_portal_page_allows_only_its_own_files_and_no_inline_code():
    policy = directives(Client().get("/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/docs/"])
def test_the_admin_and_the_api_docs_allow_inline_styles_but_still_no_inline_script(path):
    policy = directives(Client().get(path))

    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


def test_the_api_docs_load_swagger_ui_start_up_code_from_a_file():
    page = Client().get("/api/v1/docs/").content.decode()
    script = Client().get("/api/v1/docs/?script=")

    assert "<script>" not in page
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_anonymous_public_pages_stay_cacheable():
    response = Client().get("/services/")

    assert response.status_code == 200
    assert not no_store(response)


def test_every_response_to_a_signed_in_user_is_no_store():
    talent = f.talent_user()
    client = Client()
    client.force_login(talent)
    api = APIClient()
    api.force_login(talent)

    for response in (
        client.get("/my/"),
        client.get("/my/profile/"),
        api.get("/api/v1/me/"),
        api.get("/api/v1/talents/me/"),
    ):
        assert response.status_code == 200
        assert no_store(response), response.request["PATH_INFO"]
        assert "private" in response["Cache-Control"]


def test_downloads_of_attachments_are_no_store_and_finance_gets_no_identity_document():
    f.service()
    staff = f.staff_users()
    talent = f.talent_user()
    application = f.draft(talent)
    owner = APIClient()
    owner.force_login(talent)
    id_card = f.upload(owner, application.pk, "id_card", f.png_bytes(), "id.png").json()
    form = f.upload(owner, application.pk, "application_form", f.pdf_bytes(), "form.pdf").json()
    MaterialRequirement.objects.filter(service__code=f.SERVICE, code="id_card").update(identity_document=True)
    clerk, finance = APIClient(), APIClient()
    clerk.force_login(staff[roles.INTAKE_CLERK])
    finance.force_login(staff[roles.FINANCE])

    by_clerk = clerk.get(id_card["download_url"])
    detail = {
        a["material"]: a["download_url"]
        for a in finance.get(f"/api/v1/applications/{application.pk}/").json()["attachments"]
    }

    assert by_clerk.status_code == 200
    assert no_store(by_clerk)
    assert finance.get(id_card["download_url"]).status_code == 404
    assert finance.get(form["download_url"]).status_code == 200
    assert detail == {"id_card": None, "application_form": form["download_url"]}
