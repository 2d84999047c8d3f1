"""``manage.py import_talents`` and the validator behind it: all or nothing, errors by row and column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook
from stdnum.cn import ric, uscc

from apps.core import crypto
from apps.enterprises.models import Enterprise
from apps.talents.importing import TalentRowValidator, talent_import_file
from apps.talents.models import Talent, TalentCategoryHolding, TalentProfileChange

pytestmark = pytest.mark.django_db


HEADERS = ["姓名", "身份证号", "手机", "邮箱", "学历", "学位", "专业领域", "工作单位信用代码", "人才类别", "入选年度"]


def resident_id(seq: int, *, birth: str = "19900101", region: str = "440105") -> str:
    """A valid resident ID (GB 11643 check digit) for test row ``seq`` (0–999)."""
    body = f"{region}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(seq: int) -> str:
    body = f"91440105MA{seq:07d}"
    return body + uscc.calc_check_digit(body)


def phone(seq: int) -> str:
    return f"138{seq:08d}"


def talent_row(seq: int, **overrides: str) -> list[str]:
    values = {
        "姓名": f"测试人才{seq}",
        "身份证号": resident_id(seq),
        "手机": phone(seq),
        "邮箱": f"t{seq}@example.cn",
        "学历": "博士研究生",
        "学位": "工学博士",
        "专业领域": "人工智能",
        "工作单位信用代码": "",
        "人才类别": "",
        "入选年度": "",
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


def write_csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def run_import(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_talents", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def employer(db) -> Enterprise:
    return Enterprise.objects.create(name="琶洲科技有限公司", credit_code=credit_code(1), zone="琶洲")


def test_dry_run_reports_every_bad_row_with_row_number_and_column_and_writes_nothing(tmp_path, employer):
    # Given a file whose rows 3, 4 and 6 are bad in different ways, and row 7 repeats row 2's ID
    rows = [
        talent_row(1, 工作单位信用代码=employer.credit_code, 人才类别="postdoc", 入选年度="2018"),
        talent_row(2, 身份证号=resident_id(2)[:-1] + ("0" if resident_id(2)[-1] != "0" else "1")),
        talent_row(3, 手机="12345", 邮箱="not-an-email"),
        talent_row(4),
        talent_row(5, 人才类别="astronaut", 工作单位信用代码=credit_code(99)),
        talent_row(6, 身份证号=resident_id(1)),
    ]
    path = write_csv(tmp_path / "talents.csv", rows)

    # When it is imported with --dry-run
    with pytest.raises(CommandError) as exc:
        run_import(path, "--dry-run")

    # Then every bad row is reported with its spreadsheet row number and column, and nothing is written
    report = TalentRowValidator().validate(*_read(path))
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "身份证号"),
        (4, "手机"),
        (4, "邮箱"),
        (6, "工作单位信用代码"),
        (6, "人才类别"),
        (7, "身份证号"),
    ]
    assert "与第2行重复" in report.errors[-1].message
    assert "4 行有误，共 6 处错误（共 6 行），未导入任何数据" in str(exc.value)
    assert Talent.objects.count() == 0
    assert TalentProfileChange.objects.count() == 0


def test_command_prints_each_error_on_stderr(tmp_path, db):
    path = write_csv(tmp_path / "t.csv", [talent_row(1), talent_row(2, 手机="999")])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_talents", str(path), stdout=io.StringIO(), stderr=err)
    assert "第3行，[手机]：请输入11位中国大陆手机号码" in err.getvalue()


def test_one_bad_row_imports_nothing_and_the_command_exits_non_zero(tmp_path, db):
    path = write_csv(tmp_path / "t.csv", [talent_row(i) for i in range(1, 6)] + [talent_row(6, 姓名="")])

    with pytest.raises(CommandError) as exc:
        run_import(path)

    assert exc.value.returncode == 1
    assert Talent.objects.count() == 0
    assert TalentCategoryHolding.objects.count() == 0


def test_good_file_imports_every_row_encrypted_with_holdings_and_history(tmp_path, employer):
    rows = [
        talent_row(1, 工作单位信用代码=employer.credit_code, 人才类别="academician;postdoc", 入选年度="2017"),
        talent_row(2, 人才类别="两院院士，shortage", 入选年度="2018", 手机="+86 139-0000-0002"),
        talent_row(3, 学历="硕士", 手机="", 邮箱=""),
    ]
    path = write_csv(tmp_path / "t.csv", rows)

    out, _ = run_import(path)

    assert "已导入 3 名人才" in out
    first = Talent.objects.get(id_number_hash=crypto.pii_hash(resident_id(1)))
    assert first.id_number == resident_id(1)
    assert first.phone == phone(1)
    assert first.phone_hash == crypto.pii_hash(phone(1))
    assert first.employer == employer
    assert (first.birth_date.isoformat(), first.sex, first.education) == ("1990-01-01", "M", "doctorate")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM talents_talent WHERE id = %s", [first.pk])
        raw_id, raw_phone = cursor.fetchone()
    # The columns hold Fernet ciphertext, never the number.
    assert raw_id.startswith("gAAAA") and resident_id(1) not in raw_id
    assert raw_phone.startswith("gAAAA") and phone(1) not in raw_phone
    assert crypto.decrypt(raw_id) == resident_id(1)

    holdings = {
        (h.talent.name, h.category.code, h.year)
        for h in TalentCategoryHolding.objects.select_related("talent", "category")
    }
    assert holdings == {
        ("测试人才1", "academician", 2017),
        ("测试人才1", "postdoc", 2017),
        ("测试人才2", "academician", 2018),
        ("测试人才2", "shortage", 2018),
    }
    second = Talent.objects.get(name="测试人才2")
    assert second.phone == "13900000002"
    third = Talent.objects.get(name="测试人才3")
    assert (third.education, third.phone, third.phone_hash) == ("master", "", None)

    change = TalentProfileChange.objects.get(talent=first)
    assert change.source == "import"
    assert change.changes["id_number"] == [None, resident_id(1)[:4] + "*" * 10 + resident_id(1)[-4:]]
    assert change.changes["phone"] == [None, "138****0001"]
    assert change.changes["employer"] == [None, employer.pk]
    assert change.changes["category:postdoc"] == [None, {"year": 2017, "verified": False}]
    assert resident_id(1) not in str(change.changes)


def test_reimporting_the_same_ids_is_a_row_error_for_each_row(tmp_path, db):
    path = write_csv(tmp_path / "t.csv", [talent_row(1), talent_row(2)])
    run_import(path)

    report = talent_import_file(path)

    assert [(e.row, e.column) for e in report.errors] == [(2, "身份证号"), (3, "身份证号")]
    assert all(e.message == "该身份证号码已登记在人才信息库" for e in report.errors)
    assert Talent.objects.count() == 2


def test_xlsx_with_english_headers_and_numeric_cells(tmp_path, employer):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "ID_Number", "phone", "education", "employer_credit_code", "categories", "year"])
    sheet.append(["Li Lei", resident_id(7), int(phone(7)), "doctorate", employer.credit_code, "postdoc", 2016])
    sheet.append([None, None, None, None, None, None, None])  # a blank line at the end is not a row
    path = tmp_path / "talents.xlsx"
    workbook.save(path)

    out, _ = run_import(path)

    assert "已导入 1 名人才" in out
    talent = Talent.objects.get()
    assert (talent.name, talent.phone, talent.employer_id) == ("Li Lei", phone(7), employer.pk)
    assert talent.holdings.get().year == 2016


def test_csv_saved_by_excel_as_gb18030_is_read(tmp_path, db):
    path = tmp_path / "gbk.csv"
    with path.open("w", newline="", encoding="gb18030") as f:
        csv.writer(f).writerows([HEADERS, talent_row(1)])

    run_import(path)

    assert Talent.objects.get().name == "测试人才1"


def test_unknown_and_missing_columns_are_reported_on_row_1(tmp_path, db):
    path = write_csv(tmp_path / "t.csv", [["张三", "x"]], headers=["姓名", "籍贯"])

    report = talent_import_file(path)

    assert [(e.row, e.column) for e in report.errors] == [(1, "籍贯"), (1, "身份证号")]
    assert Talent.objects.count() == 0


def test_text_with_tabs_newlines_and_backslashes_survives_the_bulk_insert(tmp_path, db):
    # On PostgreSQL the rows go in by COPY, whose text format escapes these characters.
    path = write_csv(tmp_path / "t.csv", [talent_row(1, 学位="a\tb", 专业领域="line1\nline2 \\N \\")])

    run_import(path)

    talent = Talent.objects.get()
    assert (talent.degree, talent.field) == ("a\tb", "line1\nline2 \\N \\")


def test_validator_hash_is_the_same_as_crypto_pii_hash(db):
    assert TalentRowValidator().pii_hash(resident_id(3)) == crypto.pii_hash(resident_id(3))


def test_unreadable_file_type_is_a_command_error(tmp_path, db):
    path = tmp_path / "t.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(CommandError, match="不支持的文件类型"):
        run_import(path)


def _read(path: Path):
    from apps.core.spreadsheets import read_table

    return read_table(path)


@pytest.mark.parametrize("size", ["0", "-1"])
def test_a_batch_size_below_one_is_refused_and_imports_nothing(tmp_path, db, size):
    path = write_csv(tmp_path / "t.csv", [talent_row(1), talent_row(2)])

    with pytest.raises(CommandError) as exc:
        run_import(path, "--batch-size", size)

    assert str(exc.value) == f"--batch-size must be a positive number, not {size}"
    assert exc.value.returncode == 1
    assert Talent.objects.count() == 0
    assert TalentProfileChange.objects.count() == 0


def test_a_batch_size_smaller_than_the_file_imports_every_row(tmp_path, db):
    path = write_csv(tmp_path / "t.csv", [talent_row(i) for i in range(1, 6)])

    out, _ = run_import(path, "--batch-size", "2")

    assert "已导入 5 名人才" in out
    assert Talent.objects.count() == 5
    assert TalentProfileChange.objects.count() == 5


def test_the_batch_size_help_names_the_default_the_code_uses():
    from apps.talents.management.commands.import_talents import Command
    from apps.talents.services import BULK_BATCH_SIZE

    parser = Command().create_parser("manage.py", "import_talents")
    option = next(a for a in parser._actions if "--batch-size" in a.option_strings)

    assert BULK_BATCH_SIZE == 5000
    assert option.help == "rows per INSERT or COPY chunk, a positive number (default 5000)"


def test_the_bulk_service_refuses_a_batch_size_below_one(db):
    from apps.talents.services import talent_bulk_create

    with pytest.raises(ValueError, match="batch_size must be positive, not 0"):
        talent_bulk_create(rows=[], batch_size=0)
