"""The staff admin for enterprises, listings and quotas, and their spreadsheet imports."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts import roles
from apps.enterprises.models import Enterprise, EnterpriseMember, KeyEnterpriseListing, Quota, QuotaMovement
from apps.enterprises.services import quota_consume
from apps.enterprises.tests.factories import EnterpriseFactory, KeyEnterpriseListingFactory, QuotaFactory, _credit_code

pytestmark = pytest.mark.django_db


CHANGELIST = reverse("admin:enterprises_enterprise_changelist")
CSV = "0"


@pytest.fixture
def district_admin(make_user):
    return make_user(roles.DISTRICT_ADMIN)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(headers: list[str], rows: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("data.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def make_enterprises(n: int) -> list[Enterprise]:
    enterprises = EnterpriseFactory.create_batch(n)
    for enterprise in enterprises:
        KeyEnterpriseListingFactory(enterprise=enterprise)
        QuotaFactory(enterprise=enterprise)
    return enterprises


def test_enterprise_changelist_query_count_does_not_grow_with_rows(district_admin, django_assert_max_num_queries):
    client = logged_in(district_admin)
    make_enterprises(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(CHANGELIST).status_code == 200

    make_enterprises(45)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 50


@pytest.mark.parametrize("name", ["keyenterpriselisting", "quota", "quotamovement", "shortageintroduction"])
def test_other_changelists_render_with_a_flat_query_count(district_admin, django_assert_max_num_queries, name):
    client = logged_in(district_admin)
    url = reverse(f"admin:enterprises_{name}_changelist")
    make_enterprises(3)
    for quota in Quota.objects.all():
        quota_consume(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year, reference="R1")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    make_enterprises(20)
    for quota in Quota.objects.filter(used=0):
        quota_consume(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year, reference="R2")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_search_by_full_credit_code_and_by_name(district_admin):
    target, _ = make_enterprises(2)
    client = logged_in(district_admin)

    assert list(client.get(CHANGELIST, {"q": target.credit_code.lower()}).context["cl"].result_list) == [target]
    assert list(client.get(CHANGELIST, {"q": target.name}).context["cl"].result_list) == [target]


def test_filter_by_key_listing_year(district_admin):
    listed, other = make_enterprises(2)
    KeyEnterpriseListingFactory(enterprise=listed, year=2025)

    result = logged_in(district_admin).get(CHANGELIST, {"key_year": "2025"}).context["cl"].result_list

    assert list(result) == [listed]


def test_a_non_staff_user_is_redirected_to_login(make_user):
    response = logged_in(make_user(roles.ENTERPRISE_HR)).get(CHANGELIST)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def _enterprise_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "新企业",
        "credit_code": _credit_code(9001),
        "industry": "",
        "zone": "",
        "kind": "company",
        "floor_area_m2": "0",
        "graduated_firms": "0",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "quotas-TOTAL_FORMS": "0",
        "quotas-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_adding_an_enterprise_validates_the_credit_code(district_admin):
    client = logged_in(district_admin)
    bad = _credit_code(9001)[:-1] + ("0" if _credit_code(9001)[-1] != "0" else "1")

    refused = client.post(reverse("admin:enterprises_enterprise_add"), _enterprise_form(credit_code=bad))
    assert "credit_code" in refused.context["adminform"].form.errors
    assert not Enterprise.objects.exists()

    response = client.post(
        reverse("admin:enterprises_enterprise_add"),
        _enterprise_form(
            **{
                "credit_code": _credit_code(9001).lower(),
                "quotas-TOTAL_FORMS": "1",
                "quotas-0-kind": "school_place",
                "quotas-0-year": "2026",
                "quotas-0-total": "5",
            }
        ),
    )
    assert response.status_code == 302
    enterprise = Enterprise.objects.get()
    assert enterprise.credit_code == _credit_code(9001)
    assert list(enterprise.quotas.values_list("kind", "year", "total", "used")) == [("school_place", 2026, 5, 0)]


def test_enterprise_inline_members_go_through_the_service(district_admin, make_user):
    enterprise = EnterpriseFactory()
    hr = make_user(roles.ENTERPRISE_HR)
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    data = _enterprise_form(
        name=enterprise.name,
        credit_code=enterprise.credit_code,
        **{"members-TOTAL_FORMS": "1", "members-0-user": str(hr.pk), "members-0-title": "人事经理"},
    )

    response = logged_in(district_admin).post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert EnterpriseMember.objects.get(user=hr).enterprise == enterprise


def test_a_quota_is_resized_through_quota_set_total_and_never_below_used(district_admin):
    quota = QuotaFactory(total=3)
    quota_consume(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year)
    quota_consume(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year)
    url = reverse("admin:enterprises_quota_change", args=[quota.pk])
    client = logged_in(district_admin)

    refused = client.post(url, {"total": "1", "used": "0"})
    assert "total" in refused.context["adminform"].form.errors

    response = client.post(url, {"total": "8", "used": "0"})  # "used" is read-only: ignored
    assert response.status_code == 302
    quota.refresh_from_db()
    assert (quota.total, quota.used) == (8, 2)


def test_quota_movements_are_read_only(district_admin):
    quota = QuotaFactory()
    quota_consume(enterprise_id=quota.enterprise_id, kind=quota.kind, year=quota.year, reference="HK-1")
    movement = QuotaMovement.objects.get()
    client = logged_in(district_admin)

    assert client.get(reverse("admin:enterprises_quotamovement_add")).status_code == 403
    page = client.get(reverse("admin:enterprises_quotamovement_change", args=[movement.pk]))
    assert page.status_code == 200 and 'name="delta"' not in page.content.decode()


# --- imports ----------------------------------------------------------------------------------


def _import(client: Client, model: str, headers: list[str], rows: list[list[str]]):
    return client.post(
        reverse(f"admin:enterprises_{model}_import"),
        {"resource": "0", "format": CSV, "import_file": upload(headers, rows)},
    )


def test_enterprise_import_reports_each_bad_row_then_imports_a_good_file(district_admin):
    client = logged_in(district_admin)
    registered = EnterpriseFactory()
    headers = ["名称", "统一社会信用代码", "类型", "国家级", "孵化面积（平方米）"]
    bad = [
        ["甲公司", _credit_code(1), "企业", "否", "0"],
        ["乙公司", "91440101MA5ABCDE1X", "企业", "否", "0"],
        ["丙公司", _credit_code(1), "孵化器?", "也许", "-5"],
        ["丁公司", registered.credit_code, "", "", ""],
    ]

    preview = _import(client, "enterprise", headers, bad)

    invalid = {row.number: sorted(row.error_dict) for row in preview.context["result"].invalid_rows}
    assert invalid == {
        3: ["统一社会信用代码"],
        4: ["国家级", "孵化面积（平方米）", "类型", "统一社会信用代码"],
        5: ["统一社会信用代码"],
    }
    assert Enterprise.objects.count() == 1

    good = [
        ["甲孵化器", _credit_code(1), "科技企业孵化器", "是", "12000.50"],
        ["乙公司", _credit_code(2), "company", "", ""],
    ]
    preview = _import(client, "enterprise", headers, good)
    assert not preview.context["result"].has_validation_errors()
    client.post(reverse("admin:enterprises_enterprise_process_import"), preview.context["confirm_form"].initial)

    incubator = Enterprise.objects.get(credit_code=_credit_code(1))
    assert (incubator.kind, incubator.is_national, str(incubator.floor_area_m2)) == ("incubator", True, "12000.50")
    assert Enterprise.objects.count() == 3


def test_quota_import_creates_and_resizes_but_never_below_used(district_admin):
    client = logged_in(district_admin)
    enterprise = EnterpriseFactory()
    used = QuotaFactory(enterprise=enterprise, kind="hukou_indicator", year=2026, total=5)
    for _ in range(3):
        quota_consume(enterprise_id=enterprise.pk, kind="hukou_indicator", year=2026)
    headers = ["统一社会信用代码", "类型", "年度", "总数"]

    preview = _import(client, "quota", headers, [[enterprise.credit_code, "人才入户指标", "2026", "2"]])
    assert [row.number for row in preview.context["result"].invalid_rows] == [2]
    assert "已使用" in str(preview.context["result"].invalid_rows[0].error_dict["总数"])

    rows = [
        [enterprise.credit_code, "人才入户指标", "2026", "9"],
        [enterprise.credit_code, "school_place", "2026", "4"],
    ]
    preview = _import(client, "quota", headers, rows)
    assert [r.import_type for r in preview.context["result"].rows] == ["update", "new"]
    client.post(reverse("admin:enterprises_quota_process_import"), preview.context["confirm_form"].initial)

    used.refresh_from_db()
    assert (used.total, used.used) == (9, 3)
    assert Quota.objects.get(kind="school_place").total == 4


def test_key_listing_import_needs_known_enterprises_and_staff(district_admin, make_user):
    client = logged_in(district_admin)
    enterprise = EnterpriseFactory()
    officer = make_user(roles.INTAKE_CLERK, username="zhuanyuan")
    headers = ["年度", "统一社会信用代码", "服务专员", "备注"]

    preview = _import(
        client,
        "keyenterpriselisting",
        headers,
        [["2026", _credit_code(77), "", ""], ["2026", enterprise.credit_code, "nobody", ""]],
    )
    invalid = {row.number: sorted(row.error_dict) for row in preview.context["result"].invalid_rows}
    assert invalid == {2: ["统一社会信用代码"], 3: ["服务专员"]}

    preview = _import(client, "keyenterpriselisting", headers, [["2026", enterprise.credit_code, "ZhuanYuan", "重点"]])
    client.post(
        reverse("admin:enterprises_keyenterpriselisting_process_import"), preview.context["confirm_form"].initial
    )

    listing = KeyEnterpriseListing.objects.get()
    assert (listing.enterprise, listing.year, listing.service_officer, listing.note) == (
        enterprise,
        2026,
        officer,
        "重点",
    )


def test_quota_export_lists_credit_codes(district_admin):
    quota = QuotaFactory(total=7)
    response = logged_in(district_admin).post(
        reverse("admin:enterprises_quota_export"),
        {
            "format": CSV,
            "resource": "0",
            **{f"quotaresource_{f}": "on" for f in ("credit_code", "enterprise_name", "kind", "year", "total", "used")},
        },
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["统一社会信用代码", "企业名称", "类型", "年度", "总数", "已用"],
        [quota.enterprise.credit_code, quota.enterprise.name, "人才入户指标", "2026", "7", "0"],
    ]
