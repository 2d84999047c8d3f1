"""Admin import (preview, then confirm; all or nothing) and export (masked unless permitted; logged)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts import roles
from apps.talents.models import ExportLog, Talent, TalentCategoryHolding, TalentProfileChange
from apps.talents.resources import TalentResource
from apps.talents.services import talent_create
from apps.talents.tests.factories import TalentFactory, hold
from apps.talents.tests.test_import import HEADERS, resident_id, talent_row

pytestmark = pytest.mark.django_db


IMPORT = reverse("admin:talents_talent_import")
PROCESS_IMPORT = reverse("admin:talents_talent_process_import")
EXPORT = reverse("admin:talents_talent_export")
CSV, XLSX = "0", "1"


def csv_upload(rows: list[list[str]], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("talents.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


@pytest.fixture
def district_admin(make_user):
    return make_user(roles.DISTRICT_ADMIN)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_preview_shows_every_bad_row_by_row_number_and_column_and_writes_nothing(district_admin):
    upload = csv_upload(
        [
            talent_row(1),
            talent_row(2, 手机="123", 人才类别="nope"),
            talent_row(3),
            talent_row(4, 身份证号=resident_id(1)),
        ]
    )

    response = logged_in(district_admin).post(IMPORT, {"resource": "0", "format": CSV, "import_file": upload})

    assert response.status_code == 200
    result = response.context["result"]
    invalid = {row.number: sorted(row.error_dict) for row in result.invalid_rows}
    assert invalid == {3: ["人才类别", "手机"], 5: ["身份证号"]}
    assert "与第2行重复" in str(result.invalid_rows[1].error_dict["身份证号"])
    assert "confirm_form" not in response.context
    html = response.content.decode()
    assert "人才类别" in html and "手机" in html
    assert Talent.objects.count() == 0
    assert TalentProfileChange.objects.count() == 0


def test_preview_then_confirm_imports_every_row_through_the_services(district_admin):
    client = logged_in(district_admin)
    upload = csv_upload([talent_row(1, 人才类别="postdoc", 入选年度="2018"), talent_row(2)])

    preview = client.post(IMPORT, {"resource": "0", "format": CSV, "import_file": upload})

    assert not preview.context["result"].has_validation_errors()
    assert Talent.objects.count() == 0  # the preview is a dry run
    html = preview.content.decode()
    # The preview shows the rows' IDs in full only to staff who may see them (district admins may).
    assert resident_id(1) in html

    confirm = preview.context["confirm_form"].initial
    response = client.post(PROCESS_IMPORT, confirm)

    assert response.status_code == 302
    talent = Talent.objects.get(name="测试人才1")
    assert talent.id_number == resident_id(1)
    assert list(talent.holdings.values_list("category__code", "year")) == [("postdoc", 2018)]
    sources = TalentProfileChange.objects.filter(talent=talent).values_list("source", "actor")
    assert set(sources) == {("import", district_admin.pk)}
    assert Talent.objects.count() == 2


def test_a_row_that_became_bad_after_the_preview_makes_the_confirmation_import_nothing(district_admin):
    client = logged_in(district_admin)
    preview = client.post(
        IMPORT, {"resource": "0", "format": CSV, "import_file": csv_upload([talent_row(1), talent_row(2)])}
    )
    talent_create(name="抢先登记", id_number=resident_id(2))  # registered between preview and confirm

    response = client.post(PROCESS_IMPORT, preview.context["confirm_form"].initial, follow=True)

    assert list(Talent.objects.values_list("name", flat=True)) == ["抢先登记"]
    message = " ".join(str(m) for m in response.context["messages"])
    assert "未写入任何数据" in message and "第3行" in message


def test_staff_without_the_import_permission_cannot_import(make_user):
    reviewer = make_user(roles.REVIEWER)  # may view talents, may not import them

    response = logged_in(reviewer).post(
        IMPORT, {"resource": "0", "format": CSV, "import_file": csv_upload([talent_row(1)])}
    )

    assert response.status_code == 403
    assert Talent.objects.count() == 0


def export_rows(client: Client, file_format: str = CSV) -> list[list[str]]:
    fields = {f"talentresource_{name}": "on" for name in TalentResource().get_export_order()}
    response = client.post(EXPORT, {"format": file_format, "resource": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    if file_format == XLSX:
        sheet = load_workbook(io.BytesIO(response.content)).active
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_masks_identifiers_for_staff_without_export_personal_data(make_user):
    reviewer = make_user(roles.REVIEWER)  # sees personal data on screen, may not export it
    talent = TalentFactory()
    hold(talent, "academician")

    rows = export_rows(logged_in(reviewer))

    header, row = rows
    assert header[:3] == ["姓名", "身份证号", "手机"]
    assert row[1] == talent.id_number_masked and row[2] == talent.phone_masked
    assert talent.id_number not in str(rows) and talent.phone not in str(rows)
    assert row[header.index("人才类别")] == "academician"
    log = ExportLog.objects.get()
    assert (log.user, log.rows, log.unmasked, log.resource) == (reviewer, 1, False, "talents.Talent")


def test_export_shows_identifiers_to_staff_with_export_personal_data_and_logs_it(district_admin):
    talent = TalentFactory()

    rows = export_rows(logged_in(district_admin), XLSX)

    assert rows[1][1:3] == [talent.id_number, talent.phone]
    log = ExportLog.objects.get()
    assert (log.user, log.rows, log.unmasked, log.file_format) == (district_admin, 1, True, "xlsx")


def test_an_unmasked_export_can_be_imported_again_elsewhere(district_admin):
    talents = TalentFactory.create_batch(3)
    for talent in talents:
        hold(talent, "shortage")
    client = logged_in(district_admin)
    exported = export_rows(client)
    Talent.objects.all().delete()

    buffer = io.StringIO()
    csv.writer(buffer).writerows(exported)
    upload = SimpleUploadedFile("again.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")
    preview = client.post(IMPORT, {"resource": "0", "format": CSV, "import_file": upload})
    assert not preview.context["result"].has_validation_errors(), preview.context["result"].invalid_rows
    client.post(PROCESS_IMPORT, preview.context["confirm_form"].initial)

    assert sorted(Talent.objects.values_list("id_number_hash", flat=True)) == sorted(t.id_number_hash for t in talents)
    assert TalentCategoryHolding.objects.filter(category__code="shortage").count() == 3


def test_export_of_a_filtered_changelist_exports_only_those_rows(make_user):
    clerk = make_user(roles.FINANCE)
    clerk.user_permissions.add(Permission.objects.get(codename="view_talent"))
    wanted, _ = TalentFactory.create_batch(2)

    fields = {f"talentresource_{name}": "on" for name in TalentResource().get_export_order()}
    response = logged_in(clerk).post(f"{EXPORT}?q={wanted.name}", {"format": CSV, "resource": "0", **fields})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [wanted.name]
