"""The application changelist at a district's scale: no full count, pages by id, queries flat in
page size, indexes in the queue's exact order (``bench/changelist.py`` measures it at 1,000,000 rows)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts import roles
from apps.core.admin_paging import AtLeast, CappedCountPaginator
from apps.talents.tests.factories import TalentFactory
from apps.workflow import selectors
from apps.workflow.admin import ApplicationAdmin
from apps.workflow.models import OPEN_PRIORITY, Application, ServiceDefinition
from apps.workflow.states import OPEN

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/workflow/application/"
OPEN_STATES = ["pre_review", "under_review", "pending_approval", "returned"]
CLOSED_STATES = ["completed", "withdrawn", "rejected", "draft"]


@pytest.fixture
def clerk(make_user):
    return make_user(roles.INTAKE_CLERK)


@pytest.fixture
def applications(make_user, clerk):
    """60 applications: 40 open (a few green-card priority, deadlines spread, some assigned to the
    clerk) and 20 closed, every one with its own applicant."""
    submitter = make_user(roles.TALENT)
    services = list(ServiceDefinition.objects.order_by("id"))
    today = timezone.localdate()
    rows = []
    for i in range(60):
        status = OPEN_STATES[i % 4] if i < 40 else CLOSED_STATES[i % 4]
        rows.append(
            Application(
                number=f"HZ{today.year}-{900000 + i}",
                service=services[i % len(services)],
                applicant=TalentFactory(),
                submitted_by=submitter,
                status=status,
                priority=1 if i % 7 == 0 else 0,
                deadline=None if i % 5 == 0 else today + dt.timedelta(days=(i * 3) % 23 - 6),
                assignee=clerk if i % 3 == 0 else None,
            )
        )
    return Application.objects.bulk_create(rows)


def numbers(response) -> list[str]:
    return [a.number for a in response.context["cl"].result_list]


def test_every_count_is_capped(client, clerk, applications):
    client.force_login(clerk)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST)

    counts = [q["sql"] for q in captured.captured_queries if re.search(r"\bCOUNT\(", q["sql"], re.I)]
    assert response.context["cl"].result_count == 40
    assert counts, "the changelist counts its rows"
    assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_above_the_cap_the_count_reads_at_least(client, clerk, applications, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 15)
    monkeypatch.setattr(CappedCountPaginator, "pages_ahead", 0)
    monkeypatch.setattr(ApplicationAdmin, "list_per_page", 10)
    client.force_login(clerk)

    first = client.get(CHANGELIST)
    deep = client.get(CHANGELIST, {"p": 4})

    # counted up to 15 of the 40 open ones: "15+" and two pages, yet page 4 is still reachable
    assert first.context["cl"].result_count == 15
    assert isinstance(first.context["cl"].result_count, AtLeast)
    assert str(first.context["cl"].result_count) == "15+"
    assert "15+" in first.content.decode()
    assert deep.status_code == 200
    assert deep.context["cl"].result_count == 40  # the cap moved past the page asked for
    assert numbers(deep) == [a.number for a in selectors.staff_queue(clerk)[30:40]]


@pytest.mark.parametrize("query", [{}, {"status": "all"}, {"status": "withdrawn"}, {"queue": "mine"}])
def test_pages_fetched_by_id_keep_the_queues_order(client, clerk, applications, monkeypatch, query):
    monkeypatch.setattr(ApplicationAdmin, "list_per_page", 4)
    client.force_login(clerk)
    admin = ApplicationAdmin(Application, None)

    open_only = query.get("status", "open") != "all" and query.get("status") not in CLOSED_STATES
    expected = Application.objects.order_by(*selectors.queue_ordering(open_only=open_only))
    if query.get("status") in CLOSED_STATES:
        expected = expected.filter(status=query["status"])
    elif query.get("status") != "all":
        expected = expected.filter(status__in=OPEN_STATES)
    if query.get("queue") == "mine":
        expected = expected.filter(assignee=clerk)
    expected_numbers = [a.number for a in expected]
    pages = [numbers(client.get(CHANGELIST, {**query, "p": p})) for p in range(1, -(-len(expected_numbers) // 4) + 1)]

    assert len(pages) > 1
    assert [n for page in pages for n in page] == expected_numbers
    assert admin.paginator is CappedCountPaginator


@pytest.mark.parametrize(("query", "rows"), [({}, 40), ({"status": "all"}, 60), ({"queue": "mine"}, 14)])
def test_queries_do_not_grow_with_page_size(
    client, clerk, applications, monkeypatch, django_assert_max_num_queries, query, rows
):
    client.force_login(clerk)
    client.get(CHANGELIST, query)  # the calendar and session warmed up
    monkeypatch.setattr(ApplicationAdmin, "list_per_page", 3)
    with CaptureQueriesContext(connection) as small:
        short = client.get(CHANGELIST, {**query, "p": 2})
    monkeypatch.setattr(ApplicationAdmin, "list_per_page", rows // 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        long = client.get(CHANGELIST, {**query, "p": 2})

    assert len(short.context["cl"].result_list) == 3
    assert len(long.context["cl"].result_list) == rows // 2
    assert len(small.captured_queries) <= 16


def test_search_by_number_whole_or_its_beginning(client, clerk, applications):
    client.force_login(clerk)
    year = timezone.localdate().year

    whole = client.get(CHANGELIST, {"q": f"hz{year}-900004", "status": "all"})
    beginning = client.get(CHANGELIST, {"q": f"HZ{year}-90001", "status": "all"})

    assert numbers(whole) == [f"HZ{year}-900004"]
    assert sorted(numbers(beginning)) == [f"HZ{year}-{900010 + i}" for i in range(10)]


def test_search_by_name(client, clerk, applications):
    applicant = applications[4].applicant
    applicant.name = "欧阳明"
    applicant.save(update_fields=["name"])
    client.force_login(clerk)

    found = client.get(CHANGELIST, {"q": "欧阳"})
    nobody = client.get(CHANGELIST, {"q": "不存在的名字"})

    assert numbers(found) == [applications[4].number]
    assert numbers(nobody) == []


@pytest.mark.parametrize("role", [roles.TALENT, roles.ENTERPRISE_HR])
def test_citizens_never_reach_the_changelist(client, make_user, applications, role):
    client.force_login(make_user(role))

    response = client.get(CHANGELIST, {"q": applications[0].number})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_anonymous_is_sent_to_log_in(client, applications):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_indexes_hold_the_queues_own_order():
    """If ``selectors.queue_ordering`` changes, the indexes must change with it (and a migration)."""
    indexes = {index.name: index for index in Application._meta.indexes}

    assert tuple(indexes["app_open_queue_idx"].expressions) == selectors.queue_ordering(open_only=True)
    assert tuple(indexes["app_all_queue_idx"].expressions) == selectors.queue_ordering(open_only=False)
    assert selectors.queue_ordering(open_only=False)[0].expression == OPEN_PRIORITY
    assert tuple(indexes["app_status_queue_idx"].expressions)[1:] == selectors.queue_ordering(open_only=False)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("status", "index"),
    [("open", "app_open_queue_idx"), ("all", "app_all_queue_idx"), ("completed", "app_status_queue_idx")],
)
def test_postgres_reads_a_page_from_the_index_without_sorting(applications, status, index):
    # The ids query of a changelist page (CappedCountPaginator.page), as the StatusFilter builds it.
    qs = Application.objects.order_by(*selectors.queue_ordering(open_only=status == "open"))
    if status == "open":
        qs = qs.filter(status__in=sorted(OPEN))
    elif status != "all":
        qs = qs.filter(status=status)
    with connection.cursor() as cursor:
        # A tiny table is cheaper to scan and sort; make both a last resort, so the plan shows whether
        # an index can give the order (a Sort then remains only when none can).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = qs.values_list("pk", flat=True)[500:550].explain()

    assert index in plan, plan
    assert "Sort" not in plan, plan
