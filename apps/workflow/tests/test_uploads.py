"""Uploads: the type is what the content is, not what the name says; sizes, versions, downloads."""

from __future__ import annotations

import hashlib

import pytest

from apps.accounts import roles
from apps.workflow.models import Application, ApplicationEvent, Attachment
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


@pytest.fixture
def owner(staff):
    return f.talent_user()


@pytest.fixture
def application(owner):
    return f.draft(owner)


def assert_nothing_stored(application_id: int, before: dict, files_before: set[str]) -> None:
    assert f.snapshot(application_id) == before
    assert f.stored_files() == files_before


# --- detected by content -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [
        (f.pdf_bytes(), "身份证.pdf", "application/pdf"),
        (f.jpeg_bytes(), "id.jpg", "image/jpeg"),
        (f.png_bytes(), "id.png", "image/png"),
        # The name does not decide: a PNG called .pdf is a PNG, and id_card accepts it.
        (f.png_bytes(), "scan.pdf", "image/png"),
        (f.pdf_bytes(), "scan", "application/pdf"),
    ],
)
def test_pdf_jpeg_and_png_are_recognised_by_their_content(owner, application, content, name, mime):
    response = f.upload(f.client_for(owner), application.pk, "id_card", content, name)

    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert (attachment.content_type, attachment.size, attachment.version) == (mime, len(content), 1)
    assert response.json()["content_type"] == mime


@pytest.mark.parametrize(
    "content",
    [f.exe_bytes(), f.zip_bytes(), f.html_bytes(), b"", b"just some text, not a document\n", b"%PD"],
    ids=["exe", "zip", "html", "empty", "text", "truncated-pdf-magic"],
)
@pytest.mark.parametrize("material", ["application_form", "id_card"])
def test_a_disguised_file_is_400_naming_file_and_nothing_is_stored(owner, application, content, material):
    before, files_before = f.snapshot(application.pk), f.stored_files()

    response = f.upload(f.client_for(owner), application.pk, material, content, "申请表.pdf")

    assert response.status_code == 400, response.content
    assert "file" in response.json()
    assert_nothing_stored(application.pk, before, files_before)


@pytest.mark.parametrize(
    ("material", "content", "name"),
    [
        ("application_form", f.png_bytes(), "form.png"),  # PDF only
        ("application_form", f.jpeg_bytes(), "form.pdf"),
        ("photo", f.pdf_bytes(), "photo.jpg"),  # images only
    ],
)
def test_a_real_file_of_a_type_the_material_does_not_accept_is_400(owner, application, material, content, name):
    before, files_before = f.snapshot(application.pk), f.stored_files()

    response = f.upload(f.client_for(owner), application.pk, material, content, name)

    assert response.status_code == 400
    assert "file" in response.json()
    assert_nothing_stored(application.pk, before, files_before)


# --- size --------------------------------------------------------------------------------------


def test_a_file_of_exactly_max_size_mb_is_accepted(owner, application):
    content = f.pdf_bytes()
    content = content + b"0" * (1 * MiB - len(content))
    assert len(content) == MiB
    response = f.upload(f.client_for(owner), application.pk, "id_card", content)
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(("material", "limit_mb"), [("id_card", 1), ("application_form", 10)])
def test_a_file_over_max_size_mb_is_refused_and_leaves_no_row_and_no_file(owner, application, material, limit_mb):
    content = f.pdf_bytes()
    content = content + b"0" * (limit_mb * MiB + 1 - len(content))
    before, files_before = f.snapshot(application.pk), f.stored_files()

    response = f.upload(f.client_for(owner), application.pk, material, content)

    assert response.status_code in (400, 413)
    assert "file" in response.json()
    assert_nothing_stored(application.pk, before, files_before)


# --- versions, storage, download -----------------------------------------------------------------


def test_a_second_upload_of_a_material_is_version_2_and_version_1_is_kept(owner, application):
    client = f.client_for(owner)
    first, second = f.pdf_bytes(b"first"), f.pdf_bytes(b"second")
    v1 = f.upload(client, application.pk, "application_form", first).json()
    v2 = f.upload(client, application.pk, "application_form", second).json()

    assert (v1["version"], v2["version"]) == (1, 2)
    assert list(
        Attachment.objects.filter(application=application).order_by("version").values_list("version", "sha256")
    ) == [(1, hashlib.sha256(first).hexdigest()), (2, hashlib.sha256(second).hexdigest())]
    # The detail shows the latest version of each material; the attachment list keeps every version.
    detail = client.get(f"/api/v1/applications/{application.pk}/").json()
    assert [(a["material"], a["version"]) for a in detail["attachments"]] == [("application_form", 2)]
    listed = client.get(f"/api/v1/applications/{application.pk}/attachments/").json()
    assert sorted(a["version"] for a in listed) == [1, 2]
    # Both files are still there, byte for byte.
    for attachment, content in ((v1, first), (v2, second)):
        response = client.get(attachment["download_url"])
        assert b"".join(response.streaming_content) == content
    uploads = ApplicationEvent.objects.filter(application=application, action="upload").order_by("id")
    assert [e.data["version"] for e in uploads] == [1, 2]


@pytest.mark.parametrize(
    "name",
    [
        "张三-身份证-SECRETNAME.pdf",
        "../../../etc/SECRETNAME.pdf",
        "SECRETNAME",
        "a/b\\SECRETNAME.pdf",
        "SECRETNAME%00.pdf",
    ],
)
def test_the_stored_path_never_contains_the_uploaded_name(owner, application, name):
    content = f.pdf_bytes(name.encode())
    files_before = f.stored_files()

    response = f.upload(f.client_for(owner), application.pk, "application_form", content, name)

    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert "SECRETNAME" not in attachment.file.name
    assert ".." not in attachment.file.name
    assert not attachment.file.name.endswith(".pdf")
    assert attachment.file.name.startswith(f"applications/{application.pk}/")
    new_files = f.stored_files() - files_before
    assert new_files == {attachment.file.name}
    assert not any("SECRETNAME" in path for path in f.stored_files())
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    with attachment.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == attachment.sha256


def test_the_download_returns_the_exact_bytes_to_the_applicant_hr_and_staff_and_404_to_others(staff):
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    application = f.draft(hr, talent_id=employee.talent_profile.pk)
    content = f.pdf_bytes(bytes(range(256)))
    uploaded = f.upload(f.client_for(hr), application.pk, "application_form", content, "秘密文件.pdf").json()
    url = uploaded["download_url"]
    assert url == f"/api/v1/applications/{application.pk}/attachments/{uploaded['id']}/download/"
    assert uploaded["sha256"] == hashlib.sha256(content).hexdigest()

    for account in [hr, employee, *staff.values()]:
        response = f.client_for(account).get(url)
        assert response.status_code == 200, account.username
        assert b"".join(response.streaming_content) == content
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "秘密文件" not in response["Content-Disposition"]
        assert response["Content-Disposition"].startswith("attachment;")

    for stranger in (f.talent_user(name="王五"), f.hr_user(f.enterprise()), f.hr_user(company)):
        assert f.client_for(stranger).get(url).status_code == 404


# --- when uploads are allowed ------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [Status.SUBMITTED, Status.PRE_REVIEW, Status.UNDER_REVIEW, Status.PENDING_APPROVAL, Status.APPROVED]
    + [Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN],
)
def test_uploading_in_a_wrong_state_is_409_and_stores_nothing(staff, owner, state):
    application = f.application_in(state, applicant=owner, staff=staff)
    before, files_before = f.snapshot(application.pk), f.stored_files()

    response = f.upload(f.client_for(owner), application.pk, "application_form", f.pdf_bytes())

    assert response.status_code == 409, response.content
    assert_nothing_stored(application.pk, before, files_before)


def test_a_returned_application_takes_new_versions(staff, owner):
    application = f.application_in(Status.RETURNED, applicant=owner, staff=staff)
    response = f.upload(f.client_for(owner), application.pk, "id_card", f.pdf_bytes())
    assert response.status_code == 201


def test_supplementing_a_missing_material_after_accept_with_missing(staff, owner):
    application = f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff)
    f.act(application.pk, "accept_with_missing", staff[roles.INTAKE_CLERK], missing_materials=["id_card", "photo"])
    client = f.client_for(owner)

    # Only a missing material may be uploaded now.
    before, files_before = f.snapshot(application.pk), f.stored_files()
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 409
    assert_nothing_stored(application.pk, before, files_before)

    assert f.upload(client, application.pk, "id_card", f.pdf_bytes()).status_code == 201
    application.refresh_from_db()
    assert application.missing_materials == ["photo"]
    assert application.supplement_deadline is not None
    assert f.upload(client, application.pk, "id_card", f.pdf_bytes()).status_code == 409  # no longer missing

    assert f.upload(client, application.pk, "photo", f.jpeg_bytes(), "p.jpg").status_code == 201
    application.refresh_from_db()
    assert (application.missing_materials, application.supplement_deadline, application.status) == (
        [],
        None,
        Status.UNDER_REVIEW,
    )
    assert ApplicationEvent.objects.filter(application=application, action="supplemented").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"material": "no_such_material"}, "material"),
        ({"material": ""}, "material"),
        ({}, "material"),
    ],
)
def test_an_unknown_or_missing_material_is_400_naming_it(owner, application, body, field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before, files_before = f.snapshot(application.pk), f.stored_files()
    response = f.client_for(owner).post(
        f"/api/v1/applications/{application.pk}/attachments/",
        {**body, "file": SimpleUploadedFile("a.pdf", f.pdf_bytes())},
        format="multipart",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert_nothing_stored(application.pk, before, files_before)


def test_an_upload_without_a_file_is_400_naming_file(owner, application):
    response = f.client_for(owner).post(
        f"/api/v1/applications/{application.pk}/attachments/", {"material": "id_card"}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert Application.objects.get(pk=application.pk).attachments.count() == 0
