"""``GET /api/v1/talents/`` and ``/talents/{id}/``: the talent database for staff and HR."""

from __future__ import annotations

import json

import pytest

from apps.accounts import roles
from apps.enterprises.services import enterprise_member_set
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.talents.tests.factories import TalentFactory, hold

pytestmark = pytest.mark.django_db

URL = "/api/v1/talents/"


@pytest.fixture
def acme():
    return EnterpriseFactory(name="广州甲公司")


@pytest.fixture
def other():
    return EnterpriseFactory(name="广州乙公司")


@pytest.fixture
def people(acme, other):
    """Three records: two at acme (one an academician), one at the other enterprise."""
    zhang = TalentFactory(name="张三", employer=acme, phone="13912345678")
    hold(zhang, "academician")
    li = TalentFactory(name="李四", employer=acme)
    wang = TalentFactory(name="王五", employer=other)
    hold(wang, "postdoc")
    return zhang, li, wang


@pytest.fixture
def hr_client(make_user, client_for, acme):
    hr = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=hr, enterprise=acme)
    return client_for(hr)


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def test_staff_with_personal_data_right_see_everyone_in_clear(client_for, make_user, people):
    zhang, _, _ = people
    clerk = client_for(make_user(roles.INTAKE_CLERK))  # intake clerks hold accounts.view_personal_data

    response = clerk.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert names(response) == ["张三", "李四", "王五"]
    first = body["results"][0]
    assert first["id_number"] == zhang.id_number
    assert first["phone"] == "13912345678"
    assert first["id_number_masked"] == zhang.id_number[:4] + "*" * 10 + zhang.id_number[-4:]
    assert first["phone_masked"] == "139****5678"
    assert first["categories"] == [
        {
            "code": "academician",
            "name": "两院院士",
            "year": 2018,
            "issuing_body": "",
            "verified": True,
            "has_evidence": False,
            "evidence_url": None,
        }
    ]
    assert first["employer_name"] == "广州甲公司"
    assert first["claimed"] is False


def test_staff_without_the_right_see_masked_numbers_only(client_for, make_user, people):
    zhang, _, _ = people
    finance = client_for(make_user(roles.FINANCE))  # staff, but no accounts.view_personal_data

    response = finance.get(URL)

    assert response.status_code == 200
    first = response.json()["results"][0]
    assert "id_number" not in first and "phone" not in first
    assert zhang.id_number not in json.dumps(response.json())
    assert first["phone_masked"] == "139****5678"


def test_staff_filters(client_for, make_user, people, acme):
    zhang, li, wang = people
    clerk = client_for(make_user(roles.REVIEWER))

    assert names(clerk.get(URL, {"category": "academician"})) == ["张三"]
    assert names(clerk.get(URL, {"category": "postdoc"})) == ["王五"]
    assert names(clerk.get(URL, {"employer": acme.pk})) == ["张三", "李四"]
    assert names(clerk.get(URL, {"search": "李"})) == ["李四"]
    # A full resident ID or phone number is found through its keyed hash, in any usual spelling.
    assert names(clerk.get(URL, {"search": wang.id_number.lower()})) == ["王五"]
    assert names(clerk.get(URL, {"search": "+86 139-1234-5678"})) == ["张三"]
    # A part of a number matches nothing: the numbers are not stored searchable.
    assert names(clerk.get(URL, {"search": wang.id_number[:10]})) == []
    assert names(clerk.get(URL, {"category": "academician", "employer": acme.pk})) == ["张三"]
    assert clerk.get(URL, {"employer": "abc"}).status_code == 400


def test_hr_sees_only_its_own_enterprises_people_masked(hr_client, people, other):
    zhang, _, wang = people

    response = hr_client.get(URL)
    filtered = hr_client.get(URL, {"employer": other.pk})

    assert response.status_code == 200
    assert names(response) == ["张三", "李四"]
    assert "id_number" not in response.json()["results"][0]
    assert zhang.id_number not in json.dumps(response.json())
    assert filtered.json()["count"] == 0
    assert hr_client.get(f"{URL}{zhang.pk}/").status_code == 200
    assert hr_client.get(f"{URL}{wang.pk}/").status_code == 404


def test_hr_without_an_enterprise_sees_nobody(client_for, make_user, people):
    response = client_for(make_user(roles.ENTERPRISE_HR)).get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_staff_detail(client_for, make_user, people):
    zhang, _, _ = people
    admin = client_for(make_user(roles.DISTRICT_ADMIN))

    response = admin.get(f"{URL}{zhang.pk}/")

    assert response.status_code == 200
    assert response.json()["id_number"] == zhang.id_number
    assert admin.get(f"{URL}999999/").status_code == 404


def test_talents_may_not_list(client_for, make_user, people):
    talent = client_for(make_user(roles.TALENT))

    response = talent.get(URL)

    assert response.status_code == 403
    assert list(response.json()) == ["detail"]


def test_a_talent_sees_only_its_own_record_and_404_for_any_other(client_for, make_user, people):
    zhang, li, _ = people
    user = make_user(roles.TALENT)
    own = TalentFactory(name="赵六", user=user)
    talent = client_for(user)

    mine = talent.get(f"{URL}{own.pk}/")
    someone_else = talent.get(f"{URL}{zhang.pk}/")
    missing = talent.get(f"{URL}999999/")

    assert mine.status_code == 200
    assert mine.json()["id"] == own.pk and mine.json()["name"] == "赵六"
    assert "id_number" not in mine.json()  # masked, as on /talents/me/
    # Another's record answers exactly like one that does not exist.
    assert someone_else.status_code == 404
    assert someone_else.json() == missing.json() == {"detail": "未找到。"}
    assert zhang.name not in someone_else.content.decode()


def test_a_talent_without_a_record_gets_404_for_every_record(client_for, make_user, people):
    zhang, li, wang = people
    talent = client_for(make_user(roles.TALENT))

    assert [talent.get(f"{URL}{t.pk}/").status_code for t in (zhang, li, wang)] == [404, 404, 404]


def test_an_hr_user_sees_its_own_record_only_if_also_a_talent(client_for, make_user, people, acme):
    zhang, li, wang = people
    hr_only = make_user(roles.ENTERPRISE_HR)
    hr_and_talent = make_user(roles.ENTERPRISE_HR, roles.TALENT)
    for user in (hr_only, hr_and_talent):
        enterprise_member_set(user=user, enterprise=acme)
    # their own records name no employer, so they are not acme's employees
    own_hr_only = TalentFactory(user=hr_only)
    own_both = TalentFactory(user=hr_and_talent)

    def statuses(user, *records):
        client = client_for(user)
        return [client.get(f"{URL}{t.pk}/").status_code for t in records]

    assert statuses(hr_only, zhang, li, wang, own_hr_only) == [200, 200, 404, 404]
    assert statuses(hr_and_talent, zhang, li, wang, own_both, own_hr_only) == [200, 200, 404, 200, 404]


def test_anonymous_is_401(api_client, people):
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.ENTERPRISE_HR])
def test_query_count_does_not_grow_with_the_page(client_for, make_user, acme, django_assert_max_num_queries, role):
    user = make_user(role)
    if role == roles.ENTERPRISE_HR:
        enterprise_member_set(user=user, enterprise=acme)
    client = client_for(user)

    def add(n: int) -> None:
        for _ in range(n):
            talent = TalentFactory(employer=acme)
            hold(talent, "academician", "guangdong_special")

    add(5)
    with django_assert_max_num_queries(8):
        small = client.get(URL, {"page_size": 50})
    add(45)
    with django_assert_max_num_queries(8):
        large = client.get(URL, {"page_size": 50})

    assert len(small.json()["results"]) == 5
    assert len(large.json()["results"]) == 50


@pytest.mark.parametrize("value", ["9223372036854775808", "0", "-3", "1.5e40", "abc"])
def test_an_out_of_range_employer_filter_is_a_400_naming_it(value, make_user, client_for):
    staff = make_user(roles.REVIEWER)
    response = client_for(staff).get("/api/v1/talents/", {"employer": value})
    assert response.status_code == 400
    assert "employer" in response.json()
