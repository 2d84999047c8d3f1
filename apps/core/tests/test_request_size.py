"""A request body over MAX_REQUEST_BYTES is refused with 413 before it is read."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_default_limit_is_30_mb():
    assert settings.MAX_REQUEST_BYTES == 30 * 1024 * 1024
    # First but for the request id (which reads no body): nothing before it reads or spools the body.
    assert settings.MIDDLEWARE[:2] == [
        "apps.core.request_id.RequestIdMiddleware",
        "apps.core.middleware.RequestSizeLimitMiddleware",
    ]


@override_settings(MAX_REQUEST_BYTES=64 * 1024)
def test_an_upload_over_the_limit_is_413_and_nothing_is_stored():
    # given a talent's draft
    f.service()
    owner = f.talent_user()
    application = f.draft(owner)
    before, files_before = f.snapshot(application.pk), f.stored_files()

    # when a PDF bigger than the request limit is uploaded (its material allows 10 MB)
    response = f.client_for(owner).post(
        f"/api/v1/applications/{application.pk}/attachments/",
        {"material": "application_form", "file": SimpleUploadedFile("big.pdf", f.pdf_bytes(b"x" * 70 * 1024))},
        format="multipart",
    )

    # then it is refused as too large, and nothing changed
    assert response.status_code == 413
    assert response.json() == {"detail": "请求过大，不能超过64 KB"}
    assert (f.snapshot(application.pk), f.stored_files()) == (before, files_before)


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read():
    # The body is never read: a client announcing 31 MB is answered at once, even anonymously.
    response = APIClient().post(
        "/api/v1/auth/token/",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(31 * 1024 * 1024),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 413
    # in the language the request asks for, though no middleware has chosen one yet
    assert response.json() == {"detail": "the request exceeds the limit of 30 MB"}


@override_settings(MAX_REQUEST_BYTES=64 * 1024)
def test_a_request_within_the_limit_goes_through():
    f.service()
    owner = f.talent_user()
    application = f.draft(owner)

    response = f.upload(f.client_for(owner), application.pk, "application_form", f.pdf_bytes(b"x" * 60 * 1024))

    assert response.status_code == 201, response.json()
