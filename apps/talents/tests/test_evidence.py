"""Category evidence (证明材料): upload by the talent, download by who may see the record, and the
admin's link and upload."""

from __future__ import annotations

import hashlib
import re
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts import roles
from apps.enterprises.services import enterprise_member_set
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.talents import services
from apps.talents.models import Talent, TalentCategory, TalentCategoryHolding, TalentProfileChange
from apps.talents.tests.factories import HoldingFactory, TalentFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def pdf_bytes(extra: bytes = b"") -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n" + extra + b"\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def exe_bytes() -> bytes:
    head = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    head[0x3C:0x40] = struct.pack("<I", 0x80)
    return bytes(head.ljust(0x80, b"\x00")) + b"PE\x00\x00" + b"\x00" * 128


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def storage():
    return TalentCategoryHolding._meta.get_field("evidence").storage


def stored_files(talent: Talent) -> set[str]:
    folder = f"evidence/{talent.pk}"
    if not storage().exists(folder):
        return set()
    return {f"{folder}/{name}" for name in storage().listdir(folder)[1]}


def me_url(code: str = "postdoc") -> str:
    return f"/api/v1/talents/me/categories/{code}/evidence/"


def staff_url(talent: Talent, code: str = "postdoc") -> str:
    return f"/api/v1/talents/{talent.pk}/categories/{code}/evidence/"


def upload(client, data: bytes, *, name: str = "证书.pdf", code: str = "postdoc"):
    return client.post(me_url(code), {"file": SimpleUploadedFile(name, data)}, format="multipart")


def download_body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def acme():
    return EnterpriseFactory(name="广州甲公司")


@pytest.fixture
def owner(make_user):
    return make_user(roles.TALENT)


@pytest.fixture
def talent(owner, acme):
    talent = TalentFactory(user=owner, employer=acme)
    HoldingFactory(talent=talent, category=TalentCategory.objects.get(code="postdoc"), year=2016, verified=False)
    return talent


@pytest.fixture
def owner_client(client_for, owner, talent):
    return client_for(owner)


def holding_of(talent: Talent, code: str = "postdoc") -> TalentCategoryHolding:
    return TalentCategoryHolding.objects.get(talent=talent, category__code=code)


# --- Upload by the talent ----------------------------------------------------------------------


def test_a_talent_uploads_a_pdf_stored_privately_under_a_random_name(owner_client, owner, talent):
    data = pdf_bytes(b"certificate")

    response = upload(owner_client, data, name="../../我的证书.pdf")

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "code": "postdoc",
        "name": "博士后",
        "year": 2016,
        "issuing_body": "",
        "verified": False,
        "has_evidence": True,
        "evidence_url": f"/api/v1/talents/{talent.pk}/categories/postdoc/evidence/",
    }
    holding = holding_of(talent)
    assert re.fullmatch(rf"evidence/{talent.pk}/[0-9a-f]{{32}}", holding.evidence.name)
    assert storage().open(holding.evidence.name).read() == data
    assert str(storage().path(holding.evidence.name)).startswith(str(storage().location))
    history = TalentProfileChange.objects.filter(talent=talent).get()
    assert (history.actor, history.source) == (owner, "api")
    assert history.changes == {
        "category:postdoc:evidence": [
            None,
            {"content_type": "application/pdf", "size": len(data), "sha256": sha256(data), "verified": False},
        ]
    }
    categories = owner_client.get("/api/v1/talents/me/").json()["categories"]
    assert [(c["code"], c["has_evidence"], c["evidence_url"]) for c in categories] == [
        ("postdoc", True, f"/api/v1/talents/{talent.pk}/categories/postdoc/evidence/")
    ]


@pytest.mark.parametrize(("data", "mime"), [(png_bytes(), "image/png"), (jpeg_bytes(), "image/jpeg")])
def test_images_are_accepted_by_content_whatever_their_name(owner_client, talent, data, mime):
    response = upload(owner_client, data, name="scan.pdf")

    assert response.status_code == 200, response.json()
    change = TalentProfileChange.objects.get(talent=talent).changes["category:postdoc:evidence"][1]
    assert change["content_type"] == mime


def test_the_first_upload_keeps_a_staff_verification(owner_client, talent, make_user):
    staff = make_user(roles.REVIEWER)
    TalentCategoryHolding.objects.filter(talent=talent).update(verified=True, verified_by=staff)

    response = upload(owner_client, pdf_bytes())

    assert response.status_code == 200
    assert response.json()["verified"] is True
    holding = holding_of(talent)
    assert (holding.verified, holding.verified_by) == (True, staff)


def test_replacing_the_evidence_unverifies_and_deletes_the_old_file_after_commit(
    owner_client, talent, make_user, django_capture_on_commit_callbacks
):
    assert upload(owner_client, pdf_bytes(b"first")).status_code == 200
    first = holding_of(talent).evidence.name
    staff = make_user(roles.REVIEWER)
    TalentCategoryHolding.objects.filter(talent=talent).update(verified=True, verified_by=staff)
    new = png_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_client, new, name="new.png")

    assert response.status_code == 200
    assert (response.json()["verified"], response.json()["has_evidence"]) == (False, True)
    holding = holding_of(talent)
    assert (holding.verified, holding.verified_by, holding.verified_at) == (False, None, None)
    assert holding.evidence.name != first
    assert not storage().exists(first)
    assert storage().open(holding.evidence.name).read() == new
    latest = TalentProfileChange.objects.filter(talent=talent).latest("id")
    assert latest.changes == {
        "category:postdoc:evidence": [
            "replaced",
            {"content_type": "image/png", "size": len(new), "sha256": sha256(new), "verified": False},
        ]
    }


def assert_nothing_changed(talent: Talent, files_before: set[str], history_before: int, evidence_before: str = ""):
    holding = holding_of(talent)
    assert holding.evidence.name == evidence_before
    assert holding.verified is False
    assert stored_files(talent) == files_before
    assert TalentProfileChange.objects.filter(talent=talent).count() == history_before


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (exe_bytes(), "evidence.pdf"),  # declared a PDF, is a program
        (b"just some text, not a document", "evidence.pdf"),
        (b"", "empty.pdf"),
        (b"GIF89a" + b"\x00" * 32, "image.png"),  # an image, but not one of the accepted kinds
    ],
)
def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_400_and_stores_nothing(owner_client, talent, data, name):
    files, history = stored_files(talent), TalentProfileChange.objects.filter(talent=talent).count()

    response = upload(owner_client, data, name=name)

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert_nothing_changed(talent, files, history)


def test_a_file_over_10_mb_is_400_and_stores_nothing(owner_client, talent):
    files, history = stored_files(talent), TalentProfileChange.objects.filter(talent=talent).count()
    data = pdf_bytes(b"0" * (10 * MB))
    assert len(data) > 10 * MB

    response = upload(owner_client, data)

    assert response.status_code == 400
    assert response.json() == {"file": ["文件过大，不能超过 10 MB"]}
    assert_nothing_changed(talent, files, history)


def test_a_file_of_exactly_10_mb_is_accepted(owner_client, talent):
    head = pdf_bytes()
    data = head + b"0" * (10 * MB - len(head))

    response = upload(owner_client, data)

    assert response.status_code == 200
    assert holding_of(talent).evidence.size == 10 * MB


def test_a_request_without_a_file_is_400_naming_it(owner_client, talent):
    files, history = stored_files(talent), TalentProfileChange.objects.filter(talent=talent).count()

    responses = [
        owner_client.post(me_url(), {}, format="multipart"),
        owner_client.post(me_url(), {"file": "not a file"}, format="multipart"),
        owner_client.post(me_url(), {}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"),
    ]

    assert [r.status_code for r in responses] == [400, 400, 400]
    assert responses[0].json() == {"file": ["必填"]}
    assert responses[2].json() == {"file": ["a file is required"]}
    assert_nothing_changed(talent, files, history)


def test_a_category_not_held_or_unknown_is_404_and_stores_nothing(owner_client, talent):
    files, history = stored_files(talent), TalentProfileChange.objects.filter(talent=talent).count()

    responses = [upload(owner_client, pdf_bytes(), code="academician"), upload(owner_client, pdf_bytes(), code="nope")]

    assert [r.status_code for r in responses] == [404, 404]
    assert_nothing_changed(talent, files, history)
    assert not TalentCategoryHolding.objects.filter(talent=talent, category__code="academician").exists()


def test_a_talent_without_a_profile_gets_404(client_for, make_user, talent):
    client = client_for(make_user(roles.TALENT))

    assert upload(client, pdf_bytes()).status_code == 404
    assert client.get(me_url()).status_code == 404
    assert holding_of(talent).evidence.name == ""


def test_a_talent_uploads_only_to_its_own_holdings(client_for, make_user, talent):
    # Another talent holding the same category uploads to its own holding, never to this one.
    other_user = make_user(roles.TALENT)
    other = TalentFactory(user=other_user)
    HoldingFactory(talent=other, category=TalentCategory.objects.get(code="postdoc"), verified=False)

    assert upload(client_for(other_user), pdf_bytes()).status_code == 200

    assert holding_of(talent).evidence.name == ""
    assert holding_of(other).evidence.name != ""


@pytest.mark.parametrize("role", [roles.ENTERPRISE_HR, roles.REVIEWER, roles.DISTRICT_ADMIN])
def test_only_talent_accounts_use_the_own_evidence_endpoint(client_for, make_user, talent, role, acme):
    user = make_user(role)
    if role == roles.ENTERPRISE_HR:
        enterprise_member_set(user=user, enterprise=acme)
    client = client_for(user)
    files, history = stored_files(talent), TalentProfileChange.objects.filter(talent=talent).count()

    responses = [upload(client, pdf_bytes()), client.get(me_url())]

    assert [r.status_code for r in responses] == [403, 403]
    assert_nothing_changed(talent, files, history)


def test_anonymous_is_401(api_client, talent):
    responses = [
        api_client.post(me_url(), {"file": SimpleUploadedFile("a.pdf", pdf_bytes())}, format="multipart"),
        api_client.get(me_url()),
        api_client.get(staff_url(talent)),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401]
    assert holding_of(talent).evidence.name == ""


# --- Download ----------------------------------------------------------------------------------


@pytest.fixture
def with_evidence(owner_client, talent) -> bytes:
    data = pdf_bytes(b"the certificate")
    assert upload(owner_client, data).status_code == 200
    return data


def assert_is_the_file(response, talent: Talent, data: bytes) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="talent{talent.pk}-postdoc-evidence.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    # (the admin's never_cache adds its own directives to these)
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert download_body(response) == data


def test_the_owner_downloads_its_evidence_from_both_urls(owner_client, talent, with_evidence):
    assert_is_the_file(owner_client.get(me_url()), talent, with_evidence)
    assert_is_the_file(owner_client.get(staff_url(talent)), talent, with_evidence)


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.REVIEWER, roles.APPROVER, roles.DISTRICT_ADMIN])
def test_district_staff_download_any_talents_evidence(client_for, make_user, talent, with_evidence, role):
    response = client_for(make_user(role)).get(staff_url(talent))

    assert_is_the_file(response, talent, with_evidence)


def test_finance_sees_the_talent_but_not_its_evidence(client_for, make_user, talent, with_evidence):
    # The permission matrix (apps.accounts.access): payments need names and amounts, not certificates.
    finance = client_for(make_user(roles.FINANCE))

    record = finance.get(f"/api/v1/talents/{talent.pk}/")
    download = finance.get(staff_url(talent))

    assert record.status_code == 200
    assert [c["evidence_url"] for c in record.json()["categories"]] == [None]
    assert download.status_code == 404


def test_hr_of_the_talents_enterprise_downloads_it(client_for, make_user, talent, with_evidence, acme):
    hr = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=hr, enterprise=acme)

    assert_is_the_file(client_for(hr).get(staff_url(talent)), talent, with_evidence)


def test_everyone_else_gets_404_exactly_like_a_missing_record(client_for, make_user, talent, with_evidence):
    other_hr = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=other_hr, enterprise=EnterpriseFactory())
    other_talent = make_user(roles.TALENT)
    TalentFactory(user=other_talent)
    callers = [other_hr, make_user(roles.ENTERPRISE_HR), other_talent, make_user(roles.TALENT)]
    missing = client_for(make_user(roles.REVIEWER)).get("/api/v1/talents/999999/categories/postdoc/evidence/")

    responses = [client_for(user).get(staff_url(talent)) for user in callers]

    assert missing.status_code == 404
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert all(r.json() == missing.json() for r in responses)
    assert all(with_evidence not in r.content for r in responses)


def test_no_file_is_404_for_the_owner_and_for_staff(client_for, make_user, owner_client, talent):
    reviewer = client_for(make_user(roles.REVIEWER))

    responses = [
        owner_client.get(me_url()),
        owner_client.get(me_url("academician")),  # not held
        reviewer.get(staff_url(talent)),
        reviewer.get(staff_url(talent, "academician")),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]


def test_a_file_gone_from_storage_is_404_not_500(owner_client, talent, with_evidence):
    storage().delete(holding_of(talent).evidence.name)

    assert owner_client.get(me_url()).status_code == 404


def test_the_list_shows_evidence_to_staff(client_for, make_user, talent, with_evidence):
    row = client_for(make_user(roles.REVIEWER)).get("/api/v1/talents/").json()["results"][0]

    assert row["categories"][0]["has_evidence"] is True
    assert row["categories"][0]["evidence_url"] == f"/api/v1/talents/{talent.pk}/categories/postdoc/evidence/"


# --- Files go with their holdings ----------------------------------------------------------------


def test_removing_a_category_deletes_its_evidence_file_after_commit(
    owner_client, talent, with_evidence, django_capture_on_commit_callbacks
):
    name = holding_of(talent).evidence.name

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.patch("/api/v1/talents/me/", {"categories": []}, format="json")

    assert response.status_code == 200
    assert not storage().exists(name)


def test_a_claim_deletes_the_replaced_profiles_evidence(make_user, django_capture_on_commit_callbacks):
    claimant = make_user(roles.TALENT)
    placeholder = TalentFactory(user=claimant, id_number="", id_number_hash=None, birth_date=None)
    HoldingFactory(talent=placeholder, category=TalentCategory.objects.get(code="postdoc"), verified=False)
    services.holding_evidence_upload(
        talent=placeholder, category_code="postdoc", upload=SimpleUploadedFile("a.pdf", pdf_bytes()), actor=claimant
    )
    name = holding_of(placeholder).evidence.name
    imported = TalentFactory(phone="")
    services.claim_start(user=claimant, id_number=imported.id_number)
    claim = imported.claims.get()

    with django_capture_on_commit_callbacks(execute=True):
        services.claim_confirm_by_staff(claim_id=claim.pk, staff=make_user(roles.INTAKE_CLERK))

    assert not Talent.objects.filter(pk=placeholder.pk).exists()
    assert not storage().exists(name)


# --- The admin ---------------------------------------------------------------------------------


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_evidence_url(holding: TalentCategoryHolding) -> str:
    return reverse("admin:talents_talent_evidence", args=[holding.talent_id, holding.pk])


def test_the_admin_inline_links_to_the_evidence_which_staff_download(make_user, talent, with_evidence):
    district_admin = make_user(roles.DISTRICT_ADMIN)
    client = admin_client(district_admin)
    holding = holding_of(talent)

    page = client.get(reverse("admin:talents_talent_change", args=[talent.pk]))

    html = page.content.decode()
    assert f'<a href="{admin_evidence_url(holding)}">下载</a>' in html
    assert 'enctype="multipart/form-data"' in html
    assert "served by the portal" not in html
    response = client.get(admin_evidence_url(holding))
    assert_is_the_file(response, talent, with_evidence)


def test_the_admin_download_is_refused_to_whoever_may_not_see_the_talent(make_user, talent, with_evidence, acme):
    url = admin_evidence_url(holding_of(talent))
    hr = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=hr, enterprise=acme)

    finance = admin_client(make_user(roles.FINANCE)).get(url)  # staff, but no permission on talents
    owner = admin_client(talent.user).get(url)
    hr_response = admin_client(hr).get(url)
    anonymous = Client().get(url)

    assert finance.status_code == 403
    for response in (owner, hr_response, anonymous):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_download_is_404_for_a_holding_of_another_talent_or_without_a_file(make_user, talent, with_evidence):
    other = TalentFactory()
    bare = HoldingFactory(talent=other, category=TalentCategory.objects.get(code="academician"))
    client = admin_client(make_user(roles.DISTRICT_ADMIN))
    holding = holding_of(talent)

    responses = [
        client.get(reverse("admin:talents_talent_evidence", args=[other.pk, holding.pk])),  # mismatched talent
        client.get(admin_evidence_url(bare)),
        client.get(reverse("admin:talents_talent_evidence", args=[999999, holding.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]


def _inline_post(talent: Talent, holding: TalentCategoryHolding, **overrides) -> dict:
    data = {
        "name": talent.name,
        "email": talent.email,
        "education": talent.education,
        "degree": talent.degree,
        "field": talent.field,
        "employer": str(talent.employer_id or ""),
        "id_number": talent.id_number,
        "phone": talent.phone,
        "holdings-TOTAL_FORMS": "1",
        "holdings-INITIAL_FORMS": "1",
        "holdings-0-id": str(holding.pk),
        "holdings-0-talent": str(talent.pk),
        "holdings-0-category": str(holding.category_id),
        "holdings-0-year": str(holding.year or ""),
        "holdings-0-issuing_body": holding.issuing_body,
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": "0",
    }
    if holding.verified:
        data["holdings-0-verified"] = "on"
    data.update(overrides)
    return data


def test_staff_upload_evidence_in_the_admin_inline(make_user, talent):
    district_admin = make_user(roles.DISTRICT_ADMIN)
    holding = holding_of(talent)
    data = jpeg_bytes()

    response = admin_client(district_admin).post(
        reverse("admin:talents_talent_change", args=[talent.pk]),
        _inline_post(talent, holding, **{"holdings-0-verified": "on"})
        | {"holdings-0-evidence_upload": SimpleUploadedFile("scan.jpg", data)},
    )

    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"][0].formset.errors
    holding.refresh_from_db()
    assert storage().open(holding.evidence.name).read() == data
    # The staff member ticked "verified" while uploading: it stays verified, by them.
    assert (holding.verified, holding.verified_by) == (True, district_admin)
    history = TalentProfileChange.objects.filter(talent=talent, source="admin").order_by("id")
    assert [h.changes for h in history][-1] == {
        "category:postdoc:evidence": [
            None,
            {"content_type": "image/jpeg", "size": len(data), "sha256": sha256(data), "verified": True},
        ]
    }
    assert all(h.actor == district_admin for h in history)


def test_the_admin_inline_refuses_a_file_of_the_wrong_kind(make_user, talent):
    holding = holding_of(talent)
    files, history = stored_files(talent), TalentProfileChange.objects.filter(talent=talent).count()

    response = admin_client(make_user(roles.DISTRICT_ADMIN)).post(
        reverse("admin:talents_talent_change", args=[talent.pk]),
        _inline_post(talent, holding) | {"holdings-0-evidence_upload": SimpleUploadedFile("x.pdf", exe_bytes())},
    )

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors == [{"evidence_upload": ["文件类型不符，应为：PDF, JPEG, PNG"]}]
    assert_nothing_changed(talent, files, history)
