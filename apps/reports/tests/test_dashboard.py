"""``/dashboard/``: the overview's figures as charts and tables, for district staff only."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from django.utils.translation import override

from apps.accounts import roles
from apps.core.workdays import add_working_days
from apps.enterprises.models import Quota
from apps.enterprises.services import enterprise_member_set
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.talents.tests.factories import TalentFactory, hold
from apps.workflow.models import Application, ServiceDefinition
from apps.workflow.selectors import staff_queue

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
API = "/api/v1/stats/overview/"
DATA = re.compile(r'<script id="dashboard-data" type="application/json">(.*?)</script>', re.S)


def chart_data(response) -> dict:
    match = DATA.search(response.content.decode())
    assert match, "the page carries its figures in a json_script block"
    return json.loads(match.group(1))


def make_application(service_code: str, status: str, *, deadline: dt.date | None = None, submitter) -> Application:
    return Application.objects.create(
        service=ServiceDefinition.objects.get(code=service_code),
        applicant=TalentFactory(),
        submitted_by=submitter,
        status=status,
        deadline=deadline,
    )


@pytest.fixture
def staff(make_user):
    return make_user(roles.REVIEWER)


@pytest.fixture
def records(make_user):
    """Talents in three categories, applications of two services in five states (two overdue, one
    due tomorrow), quotas of both kinds this year and one of last year."""
    today = timezone.localdate()
    submitter = make_user(roles.TALENT)
    hold(TalentFactory(), "academician")
    hold(TalentFactory(), "thousand_talents", "postdoc")
    hold(TalentFactory(), "shortage")
    for status in ("draft", "pre_review", "pending_approval"):
        make_application("hukou", status, submitter=submitter)
    make_application("hukou", "under_review", deadline=today - dt.timedelta(days=3), submitter=submitter)
    make_application("hukou", "pending_approval", deadline=today - dt.timedelta(days=1), submitter=submitter)
    make_application("green_card", "under_review", deadline=add_working_days(today, 1), submitter=submitter)
    make_application("green_card", "completed", deadline=today - dt.timedelta(days=30), submitter=submitter)
    a, b = EnterpriseFactory(), EnterpriseFactory()
    Quota.objects.create(enterprise=a, kind=Quota.Kind.HUKOU_INDICATOR, year=today.year, total=5, used=2)
    Quota.objects.create(enterprise=b, kind=Quota.Kind.HUKOU_INDICATOR, year=today.year, total=3, used=3)
    Quota.objects.create(enterprise=a, kind=Quota.Kind.SCHOOL_PLACE, year=today.year, total=4, used=1)
    Quota.objects.create(enterprise=a, kind=Quota.Kind.HUKOU_INDICATOR, year=today.year - 1, total=9, used=9)


def test_the_dashboards_figures_are_the_overview_apis(client, client_for, staff, records):
    # given the same records read through the API and the page
    api = client_for(staff).get(API).json()
    client.force_login(staff)
    # when the dashboard is opened
    data = chart_data(client.get(URL))
    # then every figure they share is equal: categories with shares, applications by service and state
    assert [(c["code"], c["count"], c["city_total"], c["share_percent"]) for c in data["categories"]] == [
        (c["code"], c["count"], c["city_total"], c["share_percent"]) for c in api["categories"]
    ]
    assert data["applications"] == api["applications"]
    assert data["applications"] == {
        "hukou": {"draft": 1, "pre_review": 1, "pending_approval": 2, "under_review": 1},
        "green_card": {"under_review": 1, "completed": 1},
    }


def test_due_soon_and_overdue_are_the_staff_queues(client, staff, records):
    client.force_login(staff)

    data = chart_data(client.get(URL))

    assert data["deadlines"] == {"hukou": {"due_soon": 0, "overdue": 2}, "green_card": {"due_soon": 1, "overdue": 0}}
    for queue in ("due_soon", "overdue"):
        in_queue = sum(row[queue] for row in data["deadlines"].values())
        assert in_queue == staff_queue(staff, queue=queue).count()


def test_quota_usage_is_this_years_per_kind(client, staff, records):
    client.force_login(staff)

    data = chart_data(client.get(URL))

    assert [(q["kind"], q["enterprises"], q["total"], q["used"], q["remaining"]) for q in data["quotas"]] == [
        ("hukou_indicator", 2, 8, 5, 3),
        ("school_place", 1, 4, 1, 3),
    ]


def test_services_and_states_are_named_not_coded(client, staff, records):
    client.force_login(staff)

    html = client.get(URL).content.decode()
    data = chart_data(client.get(URL))

    assert [s["name"] for s in data["services"]] == ["人才入户", "人才绿卡"]
    assert [s["name"] for s in data["statuses"]] == ["草稿", "待受理", "审核中", "待审批", "已办结"]
    assert "<th>人才入户</th>" in html and '<th class="num">待审批</th>' in html
    visible = DATA.sub("", html)  # the codes stay in the data block only, for the comparison above
    assert ">hukou<" not in visible and "pending_approval" not in visible and "academician" not in visible


def test_english_reader_gets_english_names(client, staff, records):
    client.force_login(staff)

    with override("en"):
        response = client.get(URL, headers={"accept-language": "en"})
    data = chart_data(response)

    assert response["Content-Language"] == "en"
    assert data["services"][0]["name"] == "Household registration"
    assert next(s["name"] for s in data["statuses"] if s["code"] == "pending_approval") == "Awaiting approval"
    assert data["categories"][0]["name"] != "两院院士"


def test_charts_are_drawn_by_the_vendored_echarts_without_inline_script(client, staff):
    client.force_login(staff)

    html = client.get(URL).content.decode()

    assert '<script src="/static/vendor/echarts.min.js" defer></script>' in html
    assert '<script src="/static/js/dashboard.js" defer></script>' in html
    for chart in ("chart-categories", "chart-applications", "chart-deadlines", "chart-quotas"):
        assert f'id="{chart}"' in html
    scripts = re.findall(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", html, re.S)
    inline = [body for attrs, body in scripts if "src=" not in attrs and 'type="application/json"' not in attrs]
    assert inline == []
    assert "cdn" not in html.lower()


def test_empty_figures_still_render(client, staff):
    client.force_login(staff)

    response = client.get(URL)
    data = chart_data(response)

    assert response.status_code == 200
    assert data["applications"] == {} and data["deadlines"] == {}
    assert [(q["total"], q["used"]) for q in data["quotas"]] == [(0, 0), (0, 0)]


def test_query_count_does_not_grow_with_the_records(client, staff, make_user, django_assert_max_num_queries):
    client.force_login(staff)
    client.get(URL)  # session and permissions warmed up
    # 20, +2 for the school-place figures (apps.schools.selectors.overview_figures: two queries).
    with django_assert_max_num_queries(22):
        client.get(URL)
    submitter = make_user(roles.TALENT)
    today = timezone.localdate()
    for code in ("hukou", "green_card", "subsidy", "apartment"):
        for status in ("under_review", "pending_approval", "completed"):
            make_application(code, status, deadline=today, submitter=submitter)
    with django_assert_max_num_queries(22):
        response = client.get(URL)

    assert len(chart_data(response)["services"]) == 4


@pytest.mark.parametrize("role", [roles.TALENT, roles.ENTERPRISE_HR])
def test_citizens_may_not_see_it(client, make_user, role):
    user = make_user(role)
    if role == roles.ENTERPRISE_HR:
        enterprise_member_set(user=user, enterprise=EnterpriseFactory())
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 403
    assert "dashboard-data" not in response.content.decode()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_linked_from_the_admin_header(client, staff, make_user):
    admin_user = make_user(roles.DISTRICT_ADMIN)
    client.force_login(admin_user)

    html = client.get("/admin/").content.decode()

    assert 'href="/dashboard/"' in html
