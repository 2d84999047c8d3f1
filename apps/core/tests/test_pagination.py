"""The API's lists never count the whole table (issue 10): ``count`` is exact up to
``API_LIST_COUNT_CAP``, then the cap with ``count_capped``; later pages are still served, by
LIMIT/OFFSET without any count; queries per request do not grow with the page size."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from apps.accounts import roles
from apps.core.pagination import CappedCountApiPaginator
from apps.enterprises.services import enterprise_member_set
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.notifications.models import Notification
from apps.talents.tests.factories import TalentFactory, hold
from apps.workflow.models import Application
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/applications/"
TALENTS = "/api/v1/talents/"


@pytest.fixture
def owner():
    f.service()
    return f.talent_user()


@pytest.fixture
def clerk_client():
    return f.client_for(f.user(roles.INTAKE_CLERK))


def drafts(owner, n: int) -> list[int]:
    """``n`` drafts of ``owner``'s, their ids newest first (the list's order)."""
    made = [f.draft(owner).pk for _ in range(n)]
    return sorted(made, reverse=True)


def get(client, url: str, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    return response, [q["sql"] for q in captured.captured_queries]


def counts(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if re.search(r"\bCOUNT\(", sql, re.IGNORECASE)]


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def query(url: str | None) -> str | None:
    """A link's query string, its parameters sorted."""
    return None if url is None else "&".join(sorted(url.partition("?")[2].split("&")))


# --- count: exact below the cap, capped above -----------------------------------------------------


@override_settings(API_LIST_COUNT_CAP=20)
def test_below_the_cap_the_count_is_exact_and_the_shape_unchanged(owner, clerk_client):
    every = drafts(owner, 12)

    response, sqls = get(clerk_client, APPLICATIONS, page_size=5, page=3)

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 12
    assert query(body["next"]) is None and query(body["previous"]) == "page=2&page_size=5"
    assert ids(response) == every[10:]
    # One count, and it stops at the cap: SELECT COUNT(*) FROM (... LIMIT 21).
    [count_sql] = counts(sqls)
    assert "LIMIT 21" in count_sql


@override_settings(API_LIST_COUNT_CAP=10)
def test_exactly_the_cap_is_not_capped_one_more_is(owner, clerk_client):
    drafts(owner, 10)
    body = clerk_client.get(APPLICATIONS, {"page_size": 5}).json()
    assert (body["count"], "count_capped" in body) == (10, False)

    drafts(owner, 1)
    body = clerk_client.get(APPLICATIONS, {"page_size": 5}).json()
    assert (body["count"], body["count_capped"]) == (10, True)
    assert list(body) == ["count", "count_capped", "next", "previous", "results"]


@override_settings(API_LIST_COUNT_CAP=10, API_LIST_COUNT_CACHE_SECONDS=60)
def test_a_capped_count_is_remembered_an_exact_one_never(owner, clerk_client):
    """Capped, the figure is "at least 10" whatever is added: the next pages count nothing. A list with
    another filter is another figure; an exact count is counted again on every page."""
    from django.core.cache import cache

    cache.clear()
    drafts(owner, 11)
    first, first_sqls = get(clerk_client, APPLICATIONS, page_size=5)
    again, again_sqls = get(clerk_client, APPLICATIONS, page_size=5, page=2)
    assert (first.json()["count"], first.json()["count_capped"]) == (10, True)
    assert (again.json()["count"], again.json()["count_capped"]) == (10, True)
    assert len(counts(first_sqls)) == 1 and counts(again_sqls) == []

    # Another visible set (a talent sees only their own three): its own count, exact, not remembered.
    mine = f.talent_user()
    for _ in range(3):
        f.draft(mine)
    talent = f.client_for(mine)
    for _ in range(2):
        body, sqls = get(talent, APPLICATIONS, page_size=5)
        assert (body.json()["count"], "count_capped" in body.json()) == (3, False)
        assert len(counts(sqls)) == 1
    cache.clear()


@override_settings(API_LIST_COUNT_CAP=10)
def test_pages_around_and_past_the_cap_link_on_and_back(owner, clerk_client):
    every = drafts(owner, 13)

    first, _ = get(clerk_client, APPLICATIONS, page_size=5)
    second, _ = get(clerk_client, APPLICATIONS, page_size=5, page=2)
    third, third_sqls = get(clerk_client, APPLICATIONS, page_size=5, page=3)
    fourth, _ = get(clerk_client, APPLICATIONS, page_size=5, page=4)

    for page in (first, second, third):
        assert page.status_code == 200
        assert (page.json()["count"], page.json()["count_capped"]) == (10, True)
    assert (query(first.json()["next"]), first.json()["previous"]) == ("page=2&page_size=5", None)
    assert (query(second.json()["next"]), query(second.json()["previous"])) == ("page=3&page_size=5", "page_size=5")
    # Past the cap: the last three rows, no next page, and nothing counted at all.
    assert (third.json()["next"], query(third.json()["previous"])) == (None, "page=2&page_size=5")
    assert counts(third_sqls) == []
    assert ids(first) + ids(second) + ids(third) == every
    assert fourth.status_code == 404


@override_settings(API_LIST_COUNT_CAP=10)
def test_a_page_straddling_the_cap_is_whole(owner, clerk_client):
    """Page 4 of 3 covers rows 10–12: one inside the counted 10, two past it."""
    every = drafts(owner, 12)

    page = clerk_client.get(APPLICATIONS, {"page_size": 3, "page": 4})
    last = clerk_client.get(APPLICATIONS, {"page_size": 3, "page": "last"})

    assert page.status_code == 200
    assert ids(page) == every[9:12]
    assert (page.json()["next"], query(page.json()["previous"])) == (None, "page=3&page_size=3")
    assert ids(last) == every[9:12]


@pytest.mark.parametrize("by_ids", [False, True])
@override_settings(API_LIST_COUNT_CAP=10)
def test_a_deep_page_far_past_the_cap_is_served_by_offset(owner, clerk_client, monkeypatch, by_ids):
    """Deep pages (from ``deferred_join_from`` rows on) fetch the page's ids first, then its rows."""
    if by_ids:
        monkeypatch.setattr(CappedCountApiPaginator, "deferred_join_from", 20)
    every = drafts(owner, 31)

    response, sqls = get(clerk_client, APPLICATIONS, page_size=5, page=6)

    assert ids(response) == every[25:30]
    assert query(response.json()["next"]) == "page=7&page_size=5"
    assert counts(sqls) == []
    [offset_sql] = [sql for sql in sqls if "OFFSET 25" in sql]
    assert ("workflow_servicedefinition" in offset_sql) is not by_ids


@override_settings(API_LIST_COUNT_CAP=5)
def test_the_cap_never_shows_rows_the_caller_may_not_see(owner, clerk_client):
    mine = drafts(owner, 7)
    drafts(f.talent_user(name="王五"), 9)
    client = f.client_for(owner)

    deep = client.get(APPLICATIONS, {"page_size": 5, "page": 2})
    beyond = client.get(APPLICATIONS, {"page_size": 5, "page": 3})
    others = f.client_for(f.talent_user(name="赵六")).get(APPLICATIONS, {"page_size": 5, "page": 2})

    assert ids(deep) == mine[5:] and deep.json()["next"] is None
    assert beyond.status_code == 404
    assert others.status_code == 404
    assert f.client_for(None).get(APPLICATIONS, {"page": 2}).status_code == 401


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "2.0", "1e3", "9" * 40, str(2**63)])
def test_a_page_that_is_not_a_page_is_404_never_500(owner, clerk_client, page):
    drafts(owner, 2)
    response = clerk_client.get(APPLICATIONS, {"page": page})
    assert response.status_code == 404
    assert "detail" in response.json()


# --- no unbounded COUNT on any list -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [APPLICATIONS, TALENTS, "/api/v1/enterprises/", "/api/v1/notifications/", "/api/v1/services/"]
)
def test_no_list_counts_without_a_limit(owner, url):
    drafts(owner, 3)
    EnterpriseFactory(name="广州甲公司")
    Notification.objects.create(
        recipient=owner, event_key="test:1", kind="application_submitted", title="标题", body="内容"
    )
    admin = f.client_for(f.user(roles.DISTRICT_ADMIN))
    caller = f.client_for(owner) if "notifications" in url else admin

    response, sqls = get(caller, url)

    assert response.status_code == 200 and response.json()["count"] >= 1
    assert counts(sqls), "the list counted nothing"
    for sql in counts(sqls):
        assert re.search(r"\bLIMIT \d+\)", sql), sql


def test_the_schema_documents_the_capped_count(api_client):
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()
    page = schema["components"]["schemas"]["PaginatedApplicationList"]
    assert list(page["properties"])[:2] == ["count", "count_capped"]
    assert "10000" in page["properties"]["count"]["description"]
    assert page["properties"]["count_capped"]["type"] == "boolean"


# --- queries per request do not grow with the page size ----------------------------------------------


def _same_queries_for_5_and_50(client, url: str, budget: int, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(budget):
        small = client.get(url, {"page_size": 5})
    with django_assert_max_num_queries(budget):
        large = client.get(url, {"page_size": 50})
    assert (len(small.json()["results"]), len(large.json()["results"])) == (5, 50)


def test_the_application_list_costs_the_same_for_5_or_50(owner, django_assert_max_num_queries):
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    drafts(owner, 30)
    for _ in range(25):
        f.draft(hr, talent_id=employee.talent_profile.pk)
    assert Application.objects.count() == 55
    staff = f.client_for(f.user(roles.REVIEWER))
    # The session or token, the roles, the count, the page with its joins: 4 whatever the size.
    _same_queries_for_5_and_50(staff, APPLICATIONS, 4, django_assert_max_num_queries)


def _talents(n: int, employer) -> None:
    for _ in range(n):
        hold(TalentFactory(employer=employer), "academician")


def test_the_talent_list_costs_the_same_for_5_or_50(django_assert_max_num_queries):
    _talents(55, EnterpriseFactory(name="广州甲公司"))
    staff = f.client_for(f.user(roles.INTAKE_CLERK))
    _same_queries_for_5_and_50(staff, TALENTS, 8, django_assert_max_num_queries)


def test_the_enterprise_talent_list_costs_the_same_for_5_or_50(django_assert_max_num_queries):
    acme = EnterpriseFactory(name="广州甲公司")
    _talents(55, acme)
    _talents(3, EnterpriseFactory(name="广州乙公司"))
    hr = f.user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=hr, enterprise=acme)
    client = f.client_for(hr)
    _same_queries_for_5_and_50(client, TALENTS, 7, django_assert_max_num_queries)
    assert client.get(TALENTS).json()["count"] == 55


@override_settings(API_LIST_COUNT_CAP=10)
def test_a_status_filtered_list_pages_without_distinct(owner, clerk_client):
    """The status filter is a column of the row: no DISTINCT (a sort of every matching row, every
    joined column with it) and the page is fetched by its ids like any other."""
    every = drafts(owner, 12)

    response, sqls = get(clerk_client, APPLICATIONS, status="draft", page_size=5, page=3)

    assert ids(response) == every[10:]
    assert (response.json()["count"], response.json()["count_capped"]) == (10, True)
    assert not [sql for sql in sqls if "DISTINCT" in sql.upper()]
    assert clerk_client.get(APPLICATIONS, {"status": "completed"}).json()["count"] == 0
