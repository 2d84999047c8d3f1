"""The staff admin for talents: fast changelists, search by keyed hash, masking, saving through services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts import roles
from apps.core.admin_paging import EstimatedCountPaginator
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.talents.models import ProfileClaim, Talent, TalentCategory, TalentProfileChange
from apps.talents.services import claim_start
from apps.talents.tests.factories import TalentFactory, hold, mobile, resident_id

pytestmark = pytest.mark.django_db


CHANGELIST = reverse("admin:talents_talent_changelist")


@pytest.fixture
def district_admin(make_user):
    return make_user(roles.DISTRICT_ADMIN)


def client_for_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_talents(n: int) -> list[Talent]:
    talents = []
    for _ in range(n):
        talent = TalentFactory(employer=EnterpriseFactory())
        hold(talent, "academician", "postdoc")
        talents.append(talent)
    return talents


def test_changelist_renders_with_masked_identifiers(district_admin):
    talent = make_talents(1)[0]

    response = client_for_user(district_admin).get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert talent.id_number_masked in html and talent.id_number not in html
    assert talent.phone_masked in html and talent.phone not in html
    assert "两院院士" in html


def test_changelist_query_count_does_not_grow_with_rows(district_admin, django_assert_max_num_queries):
    client = client_for_user(district_admin)
    make_talents(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(CHANGELIST).status_code == 200

    make_talents(45)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 50


@pytest.mark.parametrize("term", ["id", "id_spaced", "phone"])
def test_a_full_resident_id_or_phone_finds_the_talent_through_the_keyed_hash(district_admin, term):
    target, other = make_talents(2)
    value = {
        "id": target.id_number,
        "id_spaced": f" {target.id_number[:6]} {target.id_number[6:]} ",
        "phone": target.phone,
    }[term]

    response = client_for_user(district_admin).get(CHANGELIST, {"q": value})

    assert list(response.context["cl"].result_list) == [target]


def test_search_by_name_and_by_credit_code(district_admin):
    target, other = make_talents(2)
    client = client_for_user(district_admin)

    assert list(client.get(CHANGELIST, {"q": target.name}).context["cl"].result_list) == [target]
    by_code = client.get(CHANGELIST, {"q": target.employer.credit_code}).context["cl"].result_list
    assert list(by_code) == [target]


def test_filters_by_category_year_and_zone(district_admin):
    a, b = make_talents(2)
    hold(b, "shortage")
    b.employer.zone = "琶洲"
    b.employer.save()
    client = client_for_user(district_admin)

    assert list(client.get(CHANGELIST, {"category": "shortage"}).context["cl"].result_list) == [b]
    assert set(client.get(CHANGELIST, {"year": "2018"}).context["cl"].result_list) == {a, b}
    assert list(client.get(CHANGELIST, {"year": "2017"}).context["cl"].result_list) == []
    assert list(client.get(CHANGELIST, {"zone": "琶洲"}).context["cl"].result_list) == [b]


def test_a_non_staff_user_is_sent_to_the_login_page(make_user):
    talent_user = make_user(roles.TALENT)

    response = client_for_user(talent_user).get(CHANGELIST)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_talent_permissions_are_refused(make_user):
    finance = make_user(roles.FINANCE)  # staff, but no permission on talents

    assert client_for_user(finance).get(CHANGELIST).status_code == 403


def test_staff_without_view_personal_data_see_identifiers_masked_and_cannot_change_them(make_user):
    clerk = make_user(roles.FINANCE)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_talent", "change_talent"]))
    talent = TalentFactory()
    original_id, original_phone = talent.id_number, talent.phone
    url = reverse("admin:talents_talent_change", args=[talent.pk])
    client = client_for_user(clerk)

    page = client.get(url)

    html = page.content.decode()
    assert talent.id_number_masked in html and talent.id_number not in html
    assert talent.phone not in html
    assert 'name="id_number"' not in html and 'name="phone"' not in html

    # Posting the numbers anyway changes nothing but the allowed fields.
    response = client.post(
        url,
        {
            **_form_data(talent, name="改名"),
            "id_number": resident_id(900),
            "phone": mobile(900),
        },
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    talent.refresh_from_db()
    assert (talent.name, talent.id_number, talent.phone) == ("改名", original_id, original_phone)


def test_adding_a_talent_goes_through_the_services_with_history(district_admin):
    category = TalentCategory.objects.get(code="postdoc")
    number = resident_id(901)
    data = {
        "name": "新人才",
        "id_number": number,
        "phone": "139 0000 0901",
        "email": "new@example.cn",
        "education": "doctorate",
        "degree": "",
        "field": "",
        "employer": "",
        "holdings-TOTAL_FORMS": "1",
        "holdings-INITIAL_FORMS": "0",
        "holdings-0-category": str(category.pk),
        "holdings-0-year": "2018",
        "holdings-0-issuing_body": "人社部",
        "holdings-0-verified": "on",
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": "0",
    }

    response = client_for_user(district_admin).post(reverse("admin:talents_talent_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    talent = Talent.objects.get(name="新人才")
    assert talent.id_number == number and talent.phone == "13900000901"
    assert talent.birth_date is not None and talent.id_number_hash
    holding = talent.holdings.get()
    assert (holding.category.code, holding.year, holding.verified, holding.verified_by) == (
        "postdoc",
        2018,
        True,
        district_admin,
    )
    sources = list(TalentProfileChange.objects.filter(talent=talent).values_list("source", flat=True))
    assert sources == ["admin", "admin"]  # the profile, then the category
    assert number not in str(TalentProfileChange.objects.filter(talent=talent).values_list("changes", flat=True))


def test_the_admin_form_refuses_what_the_service_refuses(district_admin):
    existing = TalentFactory()
    data = {**_form_data(None, name="重复"), "id_number": existing.id_number, "phone": "12345"}

    response = client_for_user(district_admin).post(reverse("admin:talents_talent_add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"id_number", "phone"}
    assert Talent.objects.count() == 1


def test_changing_a_talent_records_the_change(district_admin):
    talent = TalentFactory()
    url = reverse("admin:talents_talent_change", args=[talent.pk])

    response = client_for_user(district_admin).post(
        url, {**_form_data(talent, name="新名字"), "id_number": talent.id_number, "phone": talent.phone}
    )

    assert response.status_code == 302
    change = TalentProfileChange.objects.get(talent=talent)
    assert (change.source, change.actor, change.changes) == ("admin", district_admin, {"name": [talent.name, "新名字"]})


def test_confirm_claim_action(district_admin, make_user):
    talent = TalentFactory(phone="", phone_hash=None)
    claimant = make_user(roles.TALENT)
    claim_start(user=claimant, id_number=talent.id_number)
    claim = ProfileClaim.objects.get(talent=talent, user=claimant)

    response = client_for_user(district_admin).post(
        reverse("admin:talents_profileclaim_changelist"),
        {"action": "confirm_claim", "_selected_action": [claim.pk]},
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    talent.refresh_from_db()
    assert claim.status == ProfileClaim.Status.CONFIRMED and claim.confirmed_by == district_admin
    assert talent.user == claimant


def test_other_talent_admin_pages_render(district_admin):
    talent = make_talents(1)[0]
    client = client_for_user(district_admin)
    for name in ("talentcategory", "profileclaim", "exportlog"):
        assert client.get(reverse(f"admin:talents_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:talents_talent_change", args=[talent.pk])).status_code == 200
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "enterprises",
            "model_name": "shortageintroduction",
            "field_name": "talent",
            "term": talent.id_number,
        },
    )
    assert [r["id"] for r in autocomplete.json()["results"]] == [str(talent.pk)]


def test_estimated_count_paginator_counts_for_real_on_sqlite_and_when_filtered(db):
    TalentFactory.create_batch(3)
    assert EstimatedCountPaginator(Talent.objects.all(), 2).count == 3
    assert EstimatedCountPaginator(Talent.objects.filter(name="x"), 2).count == 0


@pytest.mark.postgres
def test_unfiltered_changelist_uses_the_estimate_not_count(district_admin, monkeypatch):
    make_talents(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE talents_talent")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)
    client = client_for_user(district_admin)

    with CaptureQueriesContext(connection) as unfiltered:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 30  # ANALYZE saw every row of so small a table
    sql = [q["sql"] for q in unfiltered.captured_queries]
    assert not [s for s in sql if "COUNT(" in s.upper() and "talents_talent" in s]
    assert [s for s in sql if "reltuples" in s]

    with CaptureQueriesContext(connection) as searched:
        client.get(CHANGELIST, {"q": "测试"})
    assert [q for q in searched.captured_queries if "COUNT(" in q["sql"].upper()]


def _form_data(talent: Talent | None, **overrides: str) -> dict[str, str]:
    data = {
        "name": talent.name if talent else "",
        "email": talent.email if talent else "",
        "education": talent.education if talent else "",
        "degree": talent.degree if talent else "",
        "field": talent.field if talent else "",
        "employer": str(talent.employer_id or "") if talent else "",
        "holdings-TOTAL_FORMS": "0",
        "holdings-INITIAL_FORMS": "0",
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data
