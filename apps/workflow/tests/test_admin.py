"""Staff review in the Django admin: queues, the table's buttons, action forms, assignment, masking."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum.cn import ric

from apps.accounts import roles
from apps.core.workdays import add_working_days
from apps.talents.services import talent_create
from apps.workflow import selectors, services
from apps.workflow.models import Application, ApplicationEvent, ServiceDefinition
from apps.workflow.tests.factories import upload_required

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/workflow/application/"
_ids = itertools.count(1)


def resident_id() -> str:
    body = f"44010519900101{next(_ids):03d}"
    return body + ric.calc_check_digit(body + "0")


def change_url(app: Application) -> str:
    return f"{CHANGELIST}{app.pk}/change/"


def act_url(app: Application, action: str) -> str:
    return f"{CHANGELIST}{app.pk}/act/{action}/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def buttons(response) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', response.content.decode())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader sees of a page: its text, without tags, attributes or scripts."""
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def listed(response) -> list[str]:
    return [a.number for a in response.context["cl"].result_list]


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(roles.INTAKE_CLERK),
        "reviewer": make_user(roles.REVIEWER),
        "approver": make_user(roles.APPROVER),
        "finance": make_user(roles.FINANCE),
        "admin": make_user(roles.DISTRICT_ADMIN),
    }


@pytest.fixture
def submitted(make_user):
    """``submitted(name=..., green=..., complete=...)`` → an application in pre_review, pre-checked, as in
    production; with every required material uploaded unless ``complete=False``."""

    def _make(
        *,
        name: str = "张三",
        green: bool = False,
        service: str = "hukou",
        id_number: str | None = None,
        complete: bool = True,
    ):
        user = make_user(roles.TALENT)
        talent_create(
            user=user, name=name, id_number=id_number or resident_id(), phone=None, is_green_card_holder=green
        )
        app = services.application_create(user=user, service_code=service)
        if complete:  # every required material, so a plain accept goes through
            upload_required(app, user)
        services.application_act(application_id=app.pk, action="submit", actor=user)
        services.application_precheck(application_id=app.pk)  # after commit in production
        app.refresh_from_db()
        assert app.status == "pre_review"
        return app

    return _make


def accept(app: Application, clerk) -> Application:
    return services.application_act(application_id=app.pk, action="accept", actor=clerk)


def recommend(app: Application, reviewer) -> Application:
    return services.application_act(application_id=app.pk, action="recommend", actor=reviewer)


# --- who sees the admin --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clerk", "reviewer", "approver", "finance", "admin"])
def test_staff_see_the_changelist(client, staff, submitted, role):
    submitted()
    client.force_login(staff[role])
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("role", [roles.TALENT, roles.ENTERPRISE_HR])
def test_talents_and_hr_are_sent_to_the_login(client, make_user, submitted, role):
    app = submitted()
    client.force_login(make_user(role))
    assert client.get(CHANGELIST).status_code == 302
    assert client.get(change_url(app)).status_code == 302
    assert client.get(act_url(app, "accept")).status_code == 302


def test_anonymous_visitors_get_the_login_page(client, submitted):
    app = submitted()
    assert client.get("/admin/login/").status_code == 200
    response = client.get(change_url(app))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_nobody_edits_adds_or_deletes_an_application_here(client, staff, submitted):
    app = submitted()
    client.force_login(staff["admin"])  # holds every workflow model permission
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(change_url(app), {"status": "approved"}).status_code == 403
    assert client.post(f"{CHANGELIST}{app.pk}/delete/", {"post": "yes"}).status_code == 403
    app.refresh_from_db()
    assert app.status == "pre_review"


# --- queues, filters, ordering -------------------------------------------------------------------


@pytest.fixture
def queue_data(staff, submitted, make_user):
    clerk, reviewer = staff["clerk"], staff["reviewer"]
    today = timezone.localdate()
    apps = {
        "mine": submitted(name="甲"),
        "unassigned": submitted(name="乙"),
        "soon": accept(submitted(name="丙"), clerk),
        "overdue": accept(submitted(name="丁"), clerk),
        "green": submitted(name="戊", green=True),
        "far": accept(submitted(name="己"), clerk),
    }
    services.applications_assign(
        application_ids=[apps[k].pk for k in ("mine", "soon", "overdue", "far", "green")],
        assignee=reviewer,
        actor=clerk,
    )
    services.applications_assign(application_ids=[apps["mine"].pk], assignee=clerk, actor=clerk)
    # Deadlines set by hand: the clock started today for all three.
    Application.objects.filter(pk=apps["soon"].pk).update(deadline=add_working_days(today, 1))
    Application.objects.filter(pk=apps["overdue"].pk).update(deadline=today - dt.timedelta(days=3))
    # A closed application assigned to the clerk never shows in a queue.
    withdrawn = submitted(name="庚")
    services.applications_assign(application_ids=[withdrawn.pk], assignee=clerk, actor=clerk)
    services.application_act(application_id=withdrawn.pk, action="withdraw", actor=withdrawn.submitted_by)
    apps["withdrawn"] = withdrawn
    for key in apps:
        apps[key].refresh_from_db()
    return apps


@pytest.mark.parametrize(
    ("queue", "user", "expected"),
    [
        ("mine", "clerk", ["mine"]),
        ("mine", "reviewer", ["green", "overdue", "soon", "far"]),
        ("unassigned", "clerk", ["unassigned"]),
        ("due_soon", "clerk", ["soon"]),
        ("overdue", "clerk", ["overdue"]),
    ],
)
def test_queue_filters_give_exactly_the_staff_queue(client, staff, queue_data, queue, user, expected):
    client.force_login(staff[user])
    response = client.get(CHANGELIST, {"queue": queue})
    assert response.status_code == 200
    assert listed(response) == [queue_data[k].number for k in expected]
    assert listed(response) == [a.number for a in selectors.staff_queue(staff[user], queue=queue)]


def test_green_card_holders_come_first_then_by_deadline(client, staff, queue_data):
    client.force_login(staff["clerk"])
    response = client.get(CHANGELIST, {"status__exact": "under_review"})
    assert listed(response) == [queue_data[k].number for k in ("overdue", "soon", "far")]
    everything = listed(client.get(CHANGELIST))
    assert everything[0] == queue_data["green"].number
    assert everything[1:4] == [queue_data[k].number for k in ("overdue", "soon", "far")]


@pytest.mark.parametrize(
    ("due", "expected"),
    [("overdue", ["overdue"]), ("none", ["green", "mine", "unassigned", "withdrawn"])],
)
def test_deadline_filter(client, staff, queue_data, due, expected):
    client.force_login(staff["clerk"])
    response = client.get(CHANGELIST, {"due": due, "status": "all"})
    assert sorted(listed(response)) == sorted(queue_data[k].number for k in expected)


def test_deadline_filter_today_and_this_week(client, staff, queue_data):
    today = timezone.localdate()
    Application.objects.filter(pk=queue_data["soon"].pk).update(deadline=today)
    client.force_login(staff["clerk"])
    assert listed(client.get(CHANGELIST, {"due": "today"})) == [queue_data["soon"].number]
    week = listed(client.get(CHANGELIST, {"due": "week"}))
    assert queue_data["soon"].number in week
    assert queue_data["overdue"].number not in week


def test_service_and_status_filters(client, staff, submitted):
    hukou = submitted()
    green = submitted(service="green_card")
    client.force_login(staff["clerk"])
    service_id = ServiceDefinition.objects.get(code="green_card").pk
    assert listed(client.get(CHANGELIST, {"service__id__exact": service_id})) == [green.number]
    assert listed(client.get(CHANGELIST, {"status__exact": "pre_review", "service__id__exact": hukou.service_id})) == [
        hukou.number
    ]


def test_deadline_colours_and_green_card_badge(client, staff, queue_data):
    client.force_login(staff["clerk"])
    html = client.get(CHANGELIST).content.decode()
    assert f'hz-overdue" title="已超期">{queue_data["overdue"].deadline}<' in html
    assert f'hz-soon" title="即将到期">{queue_data["soon"].deadline}<' in html
    assert html.count('class="hz-badge hz-badge-green"') == 1


def test_search_by_number_name_and_full_resident_id(client, staff, submitted):
    id_number = resident_id()
    target = submitted(name="王小明", id_number=id_number)
    other = submitted(name="李四")
    client.force_login(staff["clerk"])
    assert listed(client.get(CHANGELIST, {"q": target.number})) == [target.number]
    assert listed(client.get(CHANGELIST, {"q": "王小"})) == [target.number]
    assert listed(client.get(CHANGELIST, {"q": id_number})) == [target.number]
    assert listed(client.get(CHANGELIST, {"q": id_number.lower()[:-1] + id_number[-1].lower()})) == [target.number]
    assert other.number not in listed(client.get(CHANGELIST, {"q": id_number}))


def test_changelist_shows_masked_ids_only(client, staff, submitted):
    id_number = resident_id()
    submitted(id_number=id_number)
    client.force_login(staff["reviewer"])  # may see personal data, but lists stay masked
    html = client.get(CHANGELIST).content.decode()
    assert id_number not in html
    assert id_number[:4] + "**********" + id_number[-4:] in html


def test_changelist_query_count_does_not_grow_with_rows(client, staff, submitted, django_assert_max_num_queries):
    clerk = staff["clerk"]
    for i in range(5):
        app = submitted(name=f"人才{i}", green=i % 2 == 0, complete=i == 0)
        services.applications_assign(application_ids=[app.pk], assignee=clerk, actor=clerk)
        if i == 0:
            accept(app, clerk)  # a deadline on the first page too: its working days left
    client.force_login(clerk)
    # The same unfiltered page as below: on PostgreSQL it also asks pg_class for the row estimate.
    with CaptureQueriesContext(connection) as few:
        response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == 5
    for i in range(35):
        app = submitted(name=f"人才{i + 5}", green=i % 3 == 0, complete=i % 2 == 1)
        if i % 2:
            accept(app, clerk)
    with django_assert_max_num_queries(len(few)):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 40
    with django_assert_max_num_queries(len(few)):
        response = client.get(CHANGELIST, {"queue": "unassigned"})
    assert len(response.context["cl"].result_list) == 18  # accepting assigned the others


# --- the change page ------------------------------------------------------------------------------


def test_buttons_are_the_tables_available_actions(client, staff, submitted, make_user):
    app = submitted()
    expected = {"clerk": ["accept", "accept_with_missing", "return", "reject"], "reviewer": [], "approver": []}
    for role, actions in expected.items():
        client.force_login(staff[role])
        response = client.get(change_url(app))
        assert response.status_code == 200
        assert buttons(response) == actions == selectors.available_actions(staff[role], app)
    client.force_login(staff["admin"])  # district admins may take every staff action
    assert buttons(client.get(change_url(app))) == ["accept", "accept_with_missing", "return", "reject"]

    accept(app, staff["clerk"])
    client.force_login(staff["clerk"])
    assert buttons(client.get(change_url(app))) == []
    client.force_login(staff["reviewer"])
    assert buttons(client.get(change_url(app))) == ["return", "recommend", "reject"]


def test_change_page_shows_report_materials_and_timeline(client, staff, submitted):
    app = submitted(complete=False)
    client.force_login(staff["clerk"])
    html = client.get(change_url(app)).content.decode()
    assert "缺少必交材料" in html  # the pre-check report, naming the materials
    assert "居民身份证" in html
    assert "未上传" in html
    for label in ("创建草稿", "提交", "自动预审"):
        assert label in html  # the timeline, by name
    assert "草稿 → 已提交" in html
    # no codes, keys or JSON
    text = visible_text(html)
    for raw in ("id_card", "missing_materials", "precheck", "{", "sha256"):
        assert raw not in text


def test_attachment_download_links_point_at_the_api(client, staff, make_user):
    user = make_user(roles.TALENT)
    talent_create(user=user, name="赵六", id_number=resident_id())
    app = services.application_create(user=user, service_code="hukou")
    from django.core.files.uploadedfile import SimpleUploadedFile

    att = services.attachment_upload(
        application_id=app.pk,
        user=user,
        material_code="id_card",
        upload=SimpleUploadedFile("id.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    )
    client.force_login(staff["reviewer"])
    html = client.get(change_url(app)).content.decode()
    url = f"/api/v1/applications/{app.pk}/attachments/{att.pk}/download/"
    assert f'href="{url}"' in html
    download = client.get(url)  # the staff session works there
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_finance_sees_the_masked_id_and_a_reviewer_the_full_one(client, staff, submitted):
    id_number = resident_id()
    app = submitted(id_number=id_number)
    masked = id_number[:4] + "**********" + id_number[-4:]
    client.force_login(staff["finance"])
    html = client.get(change_url(app)).content.decode()
    assert masked in html and id_number not in html
    client.force_login(staff["reviewer"])
    html = client.get(change_url(app)).content.decode()
    assert id_number in html


# --- actions ---------------------------------------------------------------------------------------


def test_return_form_asks_for_materials_and_problems(client, staff, submitted):
    app = submitted(complete=False)
    client.force_login(staff["clerk"])
    response = client.get(act_url(app, "return"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields) == ["note", "missing_materials", "problems"]
    codes = [code for code, _ in form.fields["missing_materials"].choices]
    assert codes == list(app.service.materials.values_list("code", flat=True))
    # Ticked in advance: what the pre-check found missing (nothing was uploaded).
    assert form.fields["missing_materials"].initial == list(
        app.service.materials.filter(required=True).values_list("code", flat=True)
    )


def test_posting_return_moves_the_application_and_records_the_problems(client, staff, submitted):
    app = submitted()
    client.force_login(staff["clerk"])
    response = client.post(
        act_url(app, "return"),
        {
            "note": "请补正",
            "missing_materials": ["diploma", "photo"],
            "problems": "身份证照片不清晰\n\n  劳动合同缺少盖章  \n",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(app)
    app.refresh_from_db()
    assert app.status == "returned"
    assert app.problems == ["身份证照片不清晰", "劳动合同缺少盖章"]
    assert app.missing_materials == ["diploma", "photo"]
    event = app.events.order_by("-id").first()
    assert (event.action, event.from_status, event.to_status) == ("return", "pre_review", "returned")
    assert event.actor == staff["clerk"]
    assert event.note == "请补正"
    assert event.data["problems"] == ["身份证照片不清晰", "劳动合同缺少盖章"]
    assert event.ip == "10.1.2.3"
    assert any("已退回补正" in m for m in messages_of(response))


def test_return_with_nothing_listed_is_refused_by_the_service(client, staff, submitted):
    app = submitted()
    events = app.events.count()
    client.force_login(staff["clerk"])
    response = client.post(act_url(app, "return"), {"note": "x", "problems": "  \n"})
    assert response.status_code == 200  # the form again, with the service's message
    assert "一次性告知" in " ".join(messages_of(response))
    assert response.context["form"].errors["problems"]
    app.refresh_from_db()
    assert app.status == "pre_review" and app.events.count() == events


def test_reject_without_a_reason_changes_nothing(client, staff, submitted):
    app = submitted()
    events = app.events.count()
    client.force_login(staff["clerk"])
    response = client.post(act_url(app, "reject"), {"note": "", "reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert messages_of(response)
    app.refresh_from_db()
    assert app.status == "pre_review"
    assert app.reject_reason == ""
    assert app.events.count() == events


def test_reject_with_a_reason(client, staff, submitted):
    app = submitted()
    client.force_login(staff["clerk"])
    response = client.post(act_url(app, "reject"), {"reason": "不符合申请条件"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "rejected" and app.reject_reason == "不符合申请条件"
    assert app.events.order_by("-id").first().data == {"reason": "不符合申请条件"}


def test_accept_with_missing_defaults_to_five_days(client, staff, submitted):
    app = submitted()
    client.force_login(staff["clerk"])
    form = client.get(act_url(app, "accept_with_missing")).context["form"]
    assert list(form.fields) == ["note", "missing_materials", "problems", "supplement_days"]
    assert form.fields["supplement_days"].initial == 5
    response = client.post(
        act_url(app, "accept_with_missing"), {"missing_materials": ["diploma"], "supplement_days": 5}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "under_review"
    assert app.missing_materials == ["diploma"]
    assert app.supplement_deadline == add_working_days(timezone.localdate(), 5)


def test_confirm_only_actions_ask_for_a_note(client, staff, submitted):
    app = submitted()
    client.force_login(staff["clerk"])
    form = client.get(act_url(app, "accept")).context["form"]
    assert list(form.fields) == ["note"]
    assert client.post(act_url(app, "accept"), {"note": "材料齐全"}).status_code == 302
    app.refresh_from_db()
    assert app.status == "under_review"
    assert app.events.order_by("-id").first().note == "材料齐全"


def test_an_action_the_user_cannot_take_redirects_with_an_error(client, staff, submitted):
    app = submitted()
    client.force_login(staff["reviewer"])
    response = client.get(act_url(app, "accept"))
    assert response.status_code == 302 and response["Location"] == change_url(app)
    assert "您的角色不能执行此操作" in " ".join(messages_of(response))
    client.force_login(staff["admin"])
    response = client.get(act_url(app, "approve"))
    assert response.status_code == 302
    assert "申请当前状态为「待受理」，不能执行此操作" in " ".join(messages_of(response))
    response = client.get(act_url(app, "precheck"))  # the system's own step is nobody's button
    assert response.status_code == 302
    assert "未知操作：precheck" in " ".join(messages_of(response))


def test_a_reviewer_posting_approve_gets_an_error_and_nothing_changes(client, staff, submitted):
    app = recommend(accept(submitted(), staff["clerk"]), staff["reviewer"])
    events = app.events.count()
    client.force_login(staff["reviewer"])
    response = client.post(act_url(app, "approve"), {"note": "ok"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert "your role may not take this action" in " ".join(messages_of(response))  # in the staff's language
    app.refresh_from_db()
    assert app.status == "pending_approval" and app.events.count() == events


def test_the_recommender_cannot_approve_even_holding_the_approver_role(client, staff, submitted, make_user):
    both = make_user(roles.REVIEWER, roles.APPROVER)
    app = recommend(accept(submitted(), staff["clerk"]), both)
    events = app.events.count()
    client.force_login(both)
    page = client.get(change_url(app))
    assert buttons(page) == ["return", "reject"]  # the table's approver actions, less approve
    response = client.post(act_url(app, "approve"), {})
    assert response.status_code == 302
    assert "审核通过该申请的工作人员不能再批准该申请" in " ".join(messages_of(response))
    app.refresh_from_db()
    assert app.status == "pending_approval" and app.events.count() == events
    client.force_login(staff["approver"])  # another approver may
    assert client.post(act_url(app, "approve"), {}).status_code == 302
    app.refresh_from_db()
    assert app.status == "approved"


def test_a_service_conflict_is_shown_as_an_error_not_a_500(client, staff, submitted, monkeypatch):
    from apps.core.exceptions import Conflict

    app = recommend(accept(submitted(), staff["clerk"]), staff["reviewer"])

    def exhausted(**kwargs):
        raise Conflict("本年度入户指标已用完")

    monkeypatch.setattr(services, "application_act", exhausted)
    client.force_login(staff["approver"])
    response = client.post(act_url(app, "approve"), {})
    assert response.status_code == 302
    assert "本年度入户指标已用完" in " ".join(messages_of(response))


def test_action_posts_need_the_csrf_token(staff, submitted):
    app = submitted()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["clerk"])
    assert client.post(act_url(app, "accept"), {}).status_code == 403
    app.refresh_from_db()
    assert app.status == "pre_review"


# --- assignment ------------------------------------------------------------------------------------


def test_bulk_assign_to_me_sets_the_assignee_and_writes_events(client, staff, submitted):
    apps = [submitted(), submitted()]
    client.force_login(staff["reviewer"])
    response = client.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [a.pk for a in apps], "index": 0})
    assert response.status_code == 302
    for app in apps:
        app.refresh_from_db()
        assert app.assignee == staff["reviewer"]
        event = app.events.order_by("-id").first()
        assert (event.action, event.actor, event.data) == (
            "assign",
            staff["reviewer"],
            {"assignee": staff["reviewer"].username},
        )


def test_assign_to_asks_whom_then_assigns(client, staff, submitted, make_user):
    apps = [submitted(), submitted()]
    talent_user = make_user(roles.TALENT)
    client.force_login(staff["clerk"])
    ids = [a.pk for a in apps]
    page = client.post(CHANGELIST, {"action": "assign_to", "_selected_action": ids, "index": 0})
    assert page.status_code == 200
    choices = [u.pk for u in page.context["form"].fields["assignee"].queryset]
    assert staff["approver"].pk in choices and talent_user.pk not in choices
    response = client.post(
        CHANGELIST, {"action": "assign_to", "_selected_action": ids, "post": "yes", "assignee": staff["approver"].pk}
    )
    assert response.status_code == 302
    assert set(Application.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {staff["approver"].pk}
    assert ApplicationEvent.objects.filter(application_id__in=ids, action="assign", actor=staff["clerk"]).count() == 2
    # Nobody outside the staff can be chosen.
    response = client.post(
        CHANGELIST, {"action": "assign_to", "_selected_action": ids, "post": "yes", "assignee": talent_user.pk}
    )
    assert response.status_code == 200 and response.context["form"].errors["assignee"]


def test_unassign(client, staff, submitted):
    app = submitted()
    services.applications_assign(application_ids=[app.pk], assignee=staff["clerk"], actor=staff["clerk"])
    client.force_login(staff["admin"])
    client.post(CHANGELIST, {"action": "unassign", "_selected_action": [app.pk], "index": 0})
    app.refresh_from_db()
    assert app.assignee is None
    assert app.events.order_by("-id").first().data == {"assignee": None}


# --- the catalog and the append-only records -----------------------------------------------------


def test_district_admin_edits_the_catalog(client, staff):
    service = ServiceDefinition.objects.get(code="green_card")
    materials = list(service.materials.all())
    client.force_login(staff["admin"])
    url = f"/admin/workflow/servicedefinition/{service.pk}/change/"
    assert client.get(url).status_code == 200
    data = {
        "name": service.name,
        "name_en": service.name_en,
        "description": service.description,
        "time_limit_days": 8,
        "applicant_kinds": ["talent"],
        "eligible_categories": list(service.eligible_categories.values_list("pk", flat=True)),
        "config": '{"a_years": 5, "b_years": 1, "b_renewals": 1, "a_categories": ["academician"]}',
        "active": "on",
        "sort_order": service.sort_order,
        "materials-TOTAL_FORMS": len(materials),
        "materials-INITIAL_FORMS": len(materials),
        "materials-MIN_NUM_FORMS": 0,
        "materials-MAX_NUM_FORMS": 1000,
    }
    for i, m in enumerate(materials):
        data.update(
            {
                f"materials-{i}-id": m.pk,
                f"materials-{i}-service": service.pk,
                f"materials-{i}-code": m.code,
                f"materials-{i}-name": m.name,
                f"materials-{i}-accepted_types": m.accepted_types if i else ["pdf"],
                f"materials-{i}-max_size_mb": m.max_size_mb,
                f"materials-{i}-sort_order": m.sort_order,
            }
        )
        if m.required:
            data[f"materials-{i}-required"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    service.refresh_from_db()
    assert service.time_limit_days == 8
    assert service.applicant_kinds == ["talent"]
    assert service.config["a_categories"] == ["academician"]
    assert service.materials.get(pk=materials[0].pk).accepted_types == ["pdf"]

    data["materials-0-code"] = "renamed"  # a material's code is fixed once created
    client.post(url, data)
    assert service.materials.get(pk=materials[0].pk).code == materials[0].code

    data["config"] = "[1, 2]"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "config" in response.context["adminform"].form.errors


def test_clerks_may_look_at_the_catalog_but_not_change_it(client, staff):
    service = ServiceDefinition.objects.get(code="hukou")
    client.force_login(staff["clerk"])
    url = f"/admin/workflow/servicedefinition/{service.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "x", "time_limit_days": 1}).status_code == 403
    service.refresh_from_db()
    assert service.time_limit_days == 14


@pytest.mark.parametrize("model", ["applicationevent", "attachment", "deadlinenotice"])
def test_append_only_records_are_read_only(client, staff, submitted, model):
    app = submitted()
    client.force_login(staff["admin"])
    base = f"/admin/workflow/{model}/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    if model == "applicationevent":
        event = app.events.first()
        assert client.get(f"{base}{event.pk}/change/").status_code == 200
        assert client.post(f"{base}{event.pk}/change/", {"note": "rewritten"}).status_code == 403
        assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
        event.refresh_from_db()
        assert event.note != "rewritten"


def test_events_admin_query_count_is_flat(client, staff, submitted, django_assert_max_num_queries):
    submitted(complete=False)
    client.force_login(staff["admin"])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/admin/workflow/applicationevent/").status_code == 200
    for _ in range(6):
        submitted(complete=False)
    with django_assert_max_num_queries(len(few)):
        response = client.get("/admin/workflow/applicationevent/")
    assert len(response.context["cl"].result_list) == 21
