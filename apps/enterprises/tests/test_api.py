"""``/api/v1/enterprises/``, ``/{id}/`` and ``/{id}/quotas/``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts import roles
from apps.enterprises.models import Enterprise, Quota
from apps.enterprises.services import enterprise_member_set
from apps.enterprises.tests.factories import EnterpriseFactory, KeyEnterpriseListingFactory, QuotaFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/enterprises/"
THIS_YEAR = timezone.localdate().year


@pytest.fixture
def acme():
    acme = EnterpriseFactory(name="广州甲网络科技有限公司", zone="琶洲互联网创新集聚区")
    KeyEnterpriseListingFactory(enterprise=acme, year=THIS_YEAR)
    return acme


@pytest.fixture
def other():
    other = EnterpriseFactory(name="广州乙生物科技有限公司", zone="中大国际创新生态谷")
    KeyEnterpriseListingFactory(enterprise=other, year=THIS_YEAR - 1)
    return other


@pytest.fixture
def hr_client(make_user, client_for, acme):
    hr = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=hr, enterprise=acme)
    return client_for(hr)


@pytest.fixture
def staff_client(make_user, client_for):
    return client_for(make_user(roles.REVIEWER))


def test_staff_see_every_enterprise(staff_client, acme, other):
    response = staff_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_id = {row["id"]: row for row in body["results"]}
    assert by_id[acme.pk] == {
        "id": acme.pk,
        "name": "广州甲网络科技有限公司",
        "credit_code": acme.credit_code,
        "industry": "软件和信息服务",
        "zone": "琶洲互联网创新集聚区",
        "kind": "company",
        "is_national": False,
        "floor_area_m2": 0.0,
        "graduated_firms": 0,
        "is_key_enterprise": True,
    }
    assert by_id[other.pk]["is_key_enterprise"] is False  # listed last year only


def test_staff_filters(staff_client, acme, other):
    incubator = EnterpriseFactory(name="广州丙孵化器", kind=Enterprise.Kind.INCUBATOR)

    def ids(params):
        return [row["id"] for row in staff_client.get(URL, params).json()["results"]]

    assert ids({"kind": "incubator"}) == [incubator.pk]
    assert ids({"key_year": THIS_YEAR}) == [acme.pk]
    assert ids({"key_year": THIS_YEAR - 1}) == [other.pk]
    assert ids({"search": "生物"}) == [other.pk]
    assert ids({"search": acme.credit_code.lower()}) == [acme.pk]
    assert ids({"zone": "中大国际创新生态谷"}) == [other.pk]
    assert staff_client.get(URL, {"kind": "bank"}).status_code == 400


def test_hr_sees_only_its_own_enterprise(hr_client, acme, other):
    listing = hr_client.get(URL)
    own = hr_client.get(f"{URL}{acme.pk}/")
    foreign = hr_client.get(f"{URL}{other.pk}/")
    missing = hr_client.get(f"{URL}999999/")

    assert [row["id"] for row in listing.json()["results"]] == [acme.pk]
    assert own.status_code == 200 and own.json()["name"] == acme.name
    # Another enterprise answers exactly like one that does not exist.
    assert foreign.status_code == 404
    assert foreign.json() == missing.json()


def test_talents_may_not_list_enterprises_or_quotas(client_for, make_user, acme):
    talent = client_for(make_user(roles.TALENT))

    assert talent.get(URL).status_code == 403
    assert talent.get(f"{URL}{acme.pk}/quotas/").status_code == 403


def test_a_talent_asking_for_an_enterprise_gets_404_as_if_it_did_not_exist(client_for, make_user, acme):
    from apps.talents.tests.factories import TalentFactory

    user = make_user(roles.TALENT)
    TalentFactory(user=user, employer=acme)  # not even its own employer
    talent = client_for(user)

    existing = talent.get(f"{URL}{acme.pk}/")
    missing = talent.get(f"{URL}999999/")

    assert existing.status_code == 404
    assert existing.json() == missing.json() == {"detail": "未找到。"}
    assert acme.name not in existing.content.decode()


def test_an_enterprise_member_without_the_hr_role_sees_no_enterprise(client_for, make_user, acme):
    user = make_user(roles.TALENT)
    enterprise_member_set(user=user, enterprise=acme)
    client = client_for(user)

    assert client.get(f"{URL}{acme.pk}/").status_code == 404
    assert client.get(URL).status_code == 403


def test_anonymous_is_401(api_client, acme):
    assert api_client.get(URL).status_code == 401
    assert api_client.get(f"{URL}{acme.pk}/quotas/").status_code == 401


def test_quotas(hr_client, staff_client, acme, other):
    QuotaFactory(enterprise=acme, kind=Quota.Kind.HUKOU_INDICATOR, year=THIS_YEAR, total=12, used=5)
    QuotaFactory(enterprise=acme, kind=Quota.Kind.SCHOOL_PLACE, year=THIS_YEAR, total=4, used=4)
    QuotaFactory(enterprise=acme, kind=Quota.Kind.HUKOU_INDICATOR, year=THIS_YEAR - 1, total=8, used=8)
    QuotaFactory(enterprise=other, kind=Quota.Kind.HUKOU_INDICATOR, year=THIS_YEAR, total=3)

    response = hr_client.get(f"{URL}{acme.pk}/quotas/")

    assert response.status_code == 200
    rows = [{k: v for k, v in row.items() if k != "id"} for row in response.json()["results"]]
    assert rows == [
        {"kind": "hukou_indicator", "year": THIS_YEAR, "total": 12, "used": 5, "remaining": 7},
        {"kind": "school_place", "year": THIS_YEAR, "total": 4, "used": 4, "remaining": 0},
        {"kind": "hukou_indicator", "year": THIS_YEAR - 1, "total": 8, "used": 8, "remaining": 0},
    ]
    assert hr_client.get(f"{URL}{acme.pk}/quotas/", {"year": THIS_YEAR - 1}).json()["count"] == 1
    assert hr_client.get(f"{URL}{acme.pk}/quotas/", {"kind": "school_place"}).json()["count"] == 1
    assert hr_client.get(f"{URL}{other.pk}/quotas/").status_code == 404
    assert staff_client.get(f"{URL}{other.pk}/quotas/").json()["results"][0]["remaining"] == 3
    assert staff_client.get(f"{URL}999999/quotas/").status_code == 404


def test_quotas_cannot_be_written_through_the_api(staff_client, acme):
    quota = QuotaFactory(enterprise=acme, year=THIS_YEAR, total=2)

    responses = [
        staff_client.post(f"{URL}{acme.pk}/quotas/", {"kind": "school_place", "year": THIS_YEAR, "total": 9}),
        staff_client.patch(f"{URL}{acme.pk}/", {"name": "改名"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [405, 405]
    quota.refresh_from_db()
    acme.refresh_from_db()
    assert (quota.total, quota.used, acme.name) == (2, 0, "广州甲网络科技有限公司")
    assert Quota.objects.count() == 1


def test_query_count_does_not_grow_with_the_page(staff_client, django_assert_max_num_queries):
    EnterpriseFactory.create_batch(5)
    with django_assert_max_num_queries(6):
        small = staff_client.get(URL, {"page_size": 50})
    for enterprise in EnterpriseFactory.create_batch(45):
        KeyEnterpriseListingFactory(enterprise=enterprise, year=THIS_YEAR)
    with django_assert_max_num_queries(6):
        large = staff_client.get(URL, {"page_size": 50})

    assert len(small.json()["results"]) == 5
    assert len(large.json()["results"]) == 50
