"""The clerk's workday: the open-case queue and its order, assignment on accept and take-over, the
accept guard (容缺受理 when materials are missing) through the API and the admin, the admin index's
"my work" counts, readable records, and who may not use any of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts import roles
from apps.core.workdays import add_working_days
from apps.workflow import selectors, services
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import OPEN, Status

from . import factories as f
from .test_admin import visible_text

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/workflow/application/"
INDEX = "/admin/"


def act_url(app: Application, action: str) -> str:
    return f"{CHANGELIST}{app.pk}/act/{action}/"


def listed(response) -> list[int]:
    return [a.pk for a in response.context["cl"].result_list]


def admin_client(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


def post_action(account, app: Application, action: str, body: dict | None = None):
    return f.client_for(account).post(f"/api/v1/applications/{app.pk}/actions/{action}/", body or {}, format="json")


# --- the queue ---------------------------------------------------------------------------------


@pytest.fixture
def queue(staff):
    """Applications in every kind of place: open ones with and without deadlines, a green-card
    holder's, closed ones that once had priority, a draft."""
    holder = f.talent_user(name="绿卡")
    apps = {
        "pre_review": f.application_in(Status.PRE_REVIEW, staff=staff),
        "near": f.application_in(Status.UNDER_REVIEW, staff=staff),
        "far": f.application_in(Status.PENDING_APPROVAL, staff=staff),
        "green": f.application_in(Status.PRE_REVIEW, applicant=holder, staff=staff),
        "withdrawn": f.application_in(Status.WITHDRAWN, staff=staff),
        "rejected": f.application_in(Status.REJECTED, staff=staff),
        "completed": f.application_in(Status.COMPLETED, staff=staff),
        "draft": f.application_in(Status.DRAFT, staff=staff),
    }
    today = timezone.localdate()
    Application.objects.filter(pk=apps["near"].pk).update(deadline=add_working_days(today, 3))
    Application.objects.filter(pk=apps["far"].pk).update(deadline=add_working_days(today, 9))
    # Green-card priority: the holder's open one, and closed ones submitted while a holder.
    Application.objects.filter(pk__in=[apps[k].pk for k in ("green", "withdrawn", "rejected", "completed")]).update(
        priority=1
    )
    return apps


def test_the_queue_opens_on_open_cases_green_card_first_then_deadline(staff, queue):
    client = admin_client(staff[roles.INTAKE_CLERK])

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    expected = [queue[k].pk for k in ("green", "near", "far", "pre_review")]
    assert listed(response) == expected
    assert listed(response) == [a.pk for a in selectors.staff_queue(staff[roles.INTAKE_CLERK])]
    assert set(Application.objects.filter(pk__in=expected).values_list("status", flat=True)) <= OPEN


def test_every_state_is_one_click_away_and_closed_cases_do_not_sort_high(staff, queue):
    client = admin_client(staff[roles.INTAKE_CLERK])

    everything = client.get(CHANGELIST, {"status": "all"})
    withdrawn = client.get(CHANGELIST, {"status": "withdrawn"})
    page = client.get(CHANGELIST).content.decode()

    # all: the holder's open case first; the closed ones with an old priority sort as if they had none
    order = listed(everything)
    assert len(order) == len(queue)
    assert order[0] == queue["green"].pk
    assert order[1:3] == [queue["near"].pk, queue["far"].pk]
    assert listed(withdrawn) == [queue["withdrawn"].pk]
    # the status filter offers open (the default, selected), all and each state
    for value in ["open", "all", *Status.values]:
        assert f"?status={value}" in page
    assert re.search(r'<li class="selected">\s*<a href="\?status=open"', page)


def test_no_green_card_badge_on_a_closed_case(staff, queue):
    html = admin_client(staff[roles.INTAKE_CLERK]).get(CHANGELIST, {"status": "all"}).content.decode()
    assert html.count("hz-badge-green") == 1


def test_the_deadline_column_tells_the_working_days_left(staff, queue):
    html = admin_client(staff[roles.INTAKE_CLERK]).get(CHANGELIST).content.decode()
    assert "剩3个工作日" in html and "剩9个工作日" in html
    assert str(add_working_days(timezone.localdate(), 3)) in html


def test_queue_query_count_does_not_grow_with_rows(staff, django_assert_max_num_queries):
    clerk = staff[roles.INTAKE_CLERK]
    f.application_in(Status.UNDER_REVIEW, staff=staff)
    client = admin_client(clerk)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    for status in (Status.UNDER_REVIEW, Status.PRE_REVIEW, Status.PENDING_APPROVAL, Status.UNDER_REVIEW):
        f.application_in(status, staff=staff)
    with django_assert_max_num_queries(len(few)):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 5


# --- assignment ----------------------------------------------------------------------------------


def test_accepting_assigns_the_clerk_who_accepted(staff):
    clerk = staff[roles.INTAKE_CLERK]
    app = f.application_in(Status.PRE_REVIEW, staff=staff)

    response = post_action(clerk, app, "accept")

    assert response.status_code == 200, response.json()
    app.refresh_from_db()
    assert app.assignee == clerk
    assign, accept = app.events.order_by("-id")[:2][::-1]
    assert (assign.action, assign.actor, assign.data) == ("assign", clerk, {"assignee": clerk.username})
    assert accept.action == "accept"


def test_accepting_leaves_an_assigned_case_with_its_assignee(staff):
    clerk, reviewer = staff[roles.INTAKE_CLERK], staff[roles.REVIEWER]
    app = f.application_in(Status.PRE_REVIEW, staff=staff)
    services.applications_assign(application_ids=[app.pk], assignee=reviewer, actor=clerk)

    assert post_action(clerk, app, "accept").status_code == 200

    app.refresh_from_db()
    assert app.assignee == reviewer
    assert app.events.filter(action="assign").count() == 1  # the bulk one only


def test_a_later_action_takes_the_case_over_only_when_asked(staff):
    clerk, reviewer = staff[roles.INTAKE_CLERK], staff[roles.REVIEWER]
    app = f.application_in(Status.UNDER_REVIEW, staff=staff)
    assert Application.objects.get(pk=app.pk).assignee == clerk  # accepted by the clerk

    # a return without take_over leaves it with the clerk
    returned = post_action(reviewer, app, "return", f.INPUTS["return"])
    assert returned.status_code == 200
    assert Application.objects.get(pk=app.pk).assignee == clerk

    # after resubmission and re-acceptance, recommend with take_over moves it to the reviewer
    f.act(app.pk, "resubmit", app.submitted_by)
    services.application_precheck(application_id=app.pk)
    f.act(app.pk, "accept", clerk)
    response = post_action(reviewer, app, "recommend", {"take_over": True})
    assert response.status_code == 200, response.json()
    app.refresh_from_db()
    assert app.assignee == reviewer
    assert response.json()["assignee"] == reviewer.username
    event = app.events.filter(action="assign").order_by("-id").first()
    assert (event.actor, event.data) == (reviewer, {"assignee": reviewer.username})


def test_take_over_from_an_applicant_or_not_a_boolean_is_a_400_naming_it(staff):
    owner = f.talent_user()
    app = f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff)
    before = f.snapshot(app.pk)

    from_applicant = post_action(owner, app, "withdraw", {"take_over": True})
    not_boolean = post_action(staff[roles.INTAKE_CLERK], app, "accept", {"take_over": "maybe"})

    assert from_applicant.status_code == 400 and "take_over" in from_applicant.json()
    assert not_boolean.status_code == 400 and "take_over" in not_boolean.json()
    assert f.snapshot(app.pk) == before


def test_the_admin_form_offers_take_over_when_someone_else_has_the_case(staff):
    clerk, reviewer = staff[roles.INTAKE_CLERK], staff[roles.REVIEWER]
    app = f.application_in(Status.UNDER_REVIEW, staff=staff)  # the clerk's
    client = admin_client(reviewer)

    form = client.get(act_url(app, "recommend")).context["form"]
    assert "take_over" in form.fields
    response = client.post(act_url(app, "recommend"), {"take_over": "on"})

    assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).assignee == reviewer
    # the clerk's own case: nothing to take over
    other = f.application_in(Status.PRE_REVIEW, staff=staff)
    services.applications_assign(application_ids=[other.pk], assignee=clerk, actor=clerk)
    assert "take_over" not in admin_client(clerk).get(act_url(other, "accept")).context["form"].fields


# --- the accept guard ------------------------------------------------------------------------------


def test_accept_with_a_required_material_missing_is_409_naming_it_and_容缺受理(staff):
    app = f.application_in(Status.PRE_REVIEW, staff=staff, complete=False)
    before = f.snapshot(app.pk)

    response = post_action(staff[roles.INTAKE_CLERK], app, "accept")

    assert response.status_code == 409
    body = response.json()
    assert body["missing_materials"] == ["application_form", "id_card"]
    assert "申请表" in body["detail"] and "居民身份证" in body["detail"]
    assert "容缺受理" in body["detail"] and "accept_with_missing" in body["detail"]
    assert "证件照" not in body["detail"]  # optional: not required
    assert f.snapshot(app.pk) == before


def test_accept_with_missing_still_takes_such_an_application(staff):
    app = f.application_in(Status.PRE_REVIEW, staff=staff, complete=False)
    body = {"missing_materials": ["application_form", "id_card"], "supplement_days": 5}

    response = post_action(staff[roles.INTAKE_CLERK], app, "accept_with_missing", body)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.UNDER_REVIEW
    assert response.json()["missing_materials"] == ["application_form", "id_card"]


def test_the_admin_refuses_accept_the_same_way_and_offers_容缺受理_prefilled(staff):
    clerk = staff[roles.INTAKE_CLERK]
    app = f.application_in(Status.PRE_REVIEW, staff=staff, complete=False)
    before = f.snapshot(app.pk)
    client = admin_client(clerk)

    page = client.get(act_url(app, "accept"))
    posted = client.post(act_url(app, "accept"), {"note": "材料齐全"})

    api_detail = post_action(clerk, app, "accept").json()["detail"]
    for response in (page, posted):
        html = response.content.decode()
        assert api_detail in html
        assert f'href="{act_url(app, "accept_with_missing")}"' in html
        assert 'name="_confirm"' not in html  # no button that would only be refused
    assert page.status_code == 200 and posted.status_code == 409
    assert f.snapshot(app.pk) == before
    # the offered form starts from exactly those materials
    form = client.get(act_url(app, "accept_with_missing")).context["form"]
    assert form.fields["missing_materials"].initial == ["application_form", "id_card"]
    response = client.post(
        act_url(app, "accept_with_missing"),
        {"missing_materials": form.fields["missing_materials"].initial, "supplement_days": 5},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).status == Status.UNDER_REVIEW


# --- "my work" on the admin index ------------------------------------------------------------------


@pytest.fixture
def workload(staff):
    reviewer = staff[roles.REVIEWER]
    today = timezone.localdate()
    mine = [f.application_in(Status.UNDER_REVIEW, staff=staff) for _ in range(3)]  # accepted: the clerk's
    services.applications_assign(application_ids=[mine[2].pk], assignee=reviewer, actor=reviewer)
    unassigned = [f.application_in(Status.PRE_REVIEW, staff=staff) for _ in range(2)]
    Application.objects.filter(pk=mine[0].pk).update(deadline=add_working_days(today, 1))
    Application.objects.filter(pk=mine[1].pk).update(deadline=today - dt.timedelta(days=2))
    closed = f.application_in(Status.COMPLETED, staff=staff)  # the clerk's, finished: in no queue
    return {"mine": mine, "unassigned": unassigned, "closed": closed}


def my_work(html: str) -> dict[str, int]:
    return {q: int(n) for q, n in re.findall(r'data-queue="([a-z_]+)"><span class="hz-count">(\d+)</span>', html)}


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.REVIEWER, roles.DISTRICT_ADMIN])
def test_my_work_counts_equal_the_filtered_queues(staff, workload, role):
    client = admin_client(staff[role])

    html = client.get(INDEX).content.decode()

    counts = my_work(html)
    assert list(counts) == ["mine", "unassigned", "due_soon", "overdue"]
    for queue, count in counts.items():
        assert f'href="{CHANGELIST}?queue={queue}"' in html
        response = client.get(CHANGELIST, {"queue": queue})
        assert response.context["cl"].result_count == count == selectors.staff_queue(staff[role], queue=queue).count()
    assert counts == selectors.staff_queue_counts(staff[role])


def test_my_work_for_the_clerk(staff, workload):
    counts = my_work(admin_client(staff[roles.INTAKE_CLERK]).get(INDEX).content.decode())
    assert counts == {"mine": 2, "unassigned": 2, "due_soon": 1, "overdue": 1}


@pytest.mark.parametrize("role", [roles.TALENT, roles.ENTERPRISE_HR])
def test_talents_and_hr_get_no_admin_index_and_no_counts(staff, workload, role):
    response = admin_client(f.user(role)).get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_anonymous_visitors_get_the_admin_login(workload):
    response = Client().get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert 'class="hz-count"' not in Client().get("/admin/login/").content.decode()


@pytest.mark.parametrize("path", ["accept", "accept_with_missing"])
def test_talents_and_hr_cannot_open_the_action_pages(staff, path):
    app = f.application_in(Status.PRE_REVIEW, staff=staff, complete=False)
    for role in (roles.TALENT, roles.ENTERPRISE_HR):
        response = admin_client(f.user(role)).get(act_url(app, path))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert Application.objects.get(pk=app.pk).status == Status.PRE_REVIEW


# --- readable records ------------------------------------------------------------------------------


def test_result_timeline_and_precheck_read_as_words(staff):
    app = f.application_in(Status.PRE_REVIEW, staff=staff, complete=False)
    f.act(app.pk, "accept_with_missing", staff[roles.INTAKE_CLERK], missing_materials=["id_card"], supplement_days=5)
    Application.objects.filter(pk=app.pk).update(
        result={"card_number": "HZGC-B2026000001", "card_class": "B", "expires_on": "2027-05-01"}
    )

    html = admin_client(staff[roles.REVIEWER]).get(f"{CHANGELIST}{app.pk}/change/").content.decode()
    text = visible_text(html)

    assert "证件号码" in text and "HZGC-B2026000001" in text and "B卡" in text and "有效期至" in text
    assert "缺少的材料" in text and "居民身份证" in text and "补正期限" in text and "5个工作日" in text
    assert "缺少必交材料" in text and "申请表" in text  # the pre-check report
    assert "分派经办人" in text and "容缺受理" in text  # the timeline by name
    for raw in ("id_card", "card_number", "missing_materials", "supplement_days", "sha256", "{", "}"):
        assert raw not in text, raw
    # the notices, linked
    assert f'href="/applications/{app.pk}/notices/acceptance/"' in html
    assert f'href="/applications/{app.pk}/notices/missing_materials/"' in html


def test_a_quota_reads_as_the_enterprise_and_year(staff):
    from apps.workflow import records

    company = f.enterprise("海珠测试")
    app = f.application_in(Status.PRE_REVIEW, staff=staff)
    app.result = {"quota": {"enterprise": company.pk, "year": 2026}}
    lines = records.Reader(app).result_lines()
    assert lines == [("使用指标", f"{company.name} 2026年度指标")]


def test_the_timeline_costs_the_same_queries_however_long(staff, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = f.application_in(Status.UNDER_REVIEW, staff=staff)
    client = admin_client(staff[roles.REVIEWER])
    url = f"{CHANGELIST}{app.pk}/change/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    budget = len(few)  # now: every request empties the connection's query log
    for _ in range(3):  # more events with material data: returns, uploads, resubmits
        f.act(app.pk, "return", staff[roles.REVIEWER])
        f.upload(f.client_for(app.submitted_by), app.pk, "id_card", f.pdf_bytes())
        f.act(app.pk, "resubmit", app.submitted_by)
        services.application_precheck(application_id=app.pk)
        f.act(app.pk, "accept", staff[roles.INTAKE_CLERK])
    assert ApplicationEvent.objects.filter(application=app).count() > 15
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200
