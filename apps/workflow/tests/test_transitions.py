"""Every row of the transition table and every refusal, through the HTTP API.

The cases are built from ``engine.TABLE`` itself, so a row added to the table is covered without
touching this file. The service under test (``wf_test``) registers no steps of its own, so exactly the
shared table applies to it.

Refusal semantics (DESIGN.md, API.md): for an (action, state) the table has a row for, a caller whose
role is not on that row gets 403; for an action the table has no row for in that state at all, a
caller who may take that action somewhere gets 409; an action the table does not know, or one only
the system takes, is 404. A refused request changes nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import transaction

from apps.accounts import roles
from apps.workflow import actors, engine, services
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db

USER_ROWS = [t for t in engine.TABLE if engine.SYSTEM not in t.roles]
SYSTEM_ROWS = [t for t in engine.TABLE if engine.SYSTEM in t.roles]
ACTIONS = f.user_actions()
NOTE = "办理意见：材料齐全 / note"


def row_id(t: engine.Transition) -> str:
    return f"{t.action}:{t.source}->{t.target}"


def allowed_callers(t: engine.Transition) -> list[str]:
    """The roles the table lets take this row, plus the district admin for a staff row."""
    callers = set(t.roles)
    if t.roles & roles.STAFF_ROLES:
        callers.add(roles.DISTRICT_ADMIN)
    return sorted(callers)


@pytest.fixture
def world():
    f.service()
    owner = f.talent_user()
    staff = f.staff_users()
    return SimpleNamespace(owner=owner, staff=staff)


def person(world, role: str):
    return world.owner if role == engine.APPLICANT else world.staff[role]


def post_action(account, application_id: int, action: str, body: dict | None = None):
    return f.client_for(account).post(
        f"/api/v1/applications/{application_id}/actions/{action}/", body if body is not None else {}, format="json"
    )


def assert_refused(response, code: int, application_id: int, before: dict) -> None:
    assert response.status_code == code, (response.status_code, response.content)
    assert f.snapshot(application_id) == before


# --- every row succeeds for its roles ------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "role"),
    [(t, role) for t in USER_ROWS for role in allowed_callers(t)],
    ids=[f"{row_id(t)}-by-{role}" for t in USER_ROWS for role in allowed_callers(t)],
)
def test_the_allowed_role_takes_the_row(world, row, role):
    application = f.application_in(row.source, applicant=world.owner, staff=world.staff)
    actor = person(world, role)
    events_before = application.events.count()

    response = post_action(actor, application.pk, row.action, {**f.INPUTS.get(row.action, {}), "note": NOTE})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == row.target
    application.refresh_from_db()
    assert application.status == row.target
    # accepting an unassigned application assigns it to the clerk: its own event, just before
    assigned = row.action in services.ASSIGNING_ACTIONS
    assert application.events.count() == events_before + 1 + assigned
    event = application.events.order_by("-id").first()
    assert (event.action, event.from_status, event.to_status, event.actor, event.note, event.ip) == (
        row.action,
        row.source,
        row.target,
        actor,
        NOTE,
        "127.0.0.1",
    )
    timeline = f.client_for(world.owner).get(f"/api/v1/applications/{application.pk}/events/").json()["results"]
    assert {k: timeline[-1][k] for k in ("action", "from_status", "to_status", "actor", "note")} == {
        "action": row.action,
        "from_status": row.source,
        "to_status": row.target,
        # The owner sees their own username, a staff member only as the step's role label (issue 8).
        "actor": actor.username
        if role == engine.APPLICANT
        else actors.staff_role_label(action=row.action, stage=row.source),
        "note": NOTE,
    }
    staff_view = f.client_for(world.staff[roles.DISTRICT_ADMIN]).get(f"/api/v1/applications/{application.pk}/events/")
    assert staff_view.json()["results"][-1]["actor"] == actor.username


@pytest.mark.parametrize("row", SYSTEM_ROWS, ids=row_id)
def test_system_rows_are_taken_by_the_engine_only(world, row):
    application = f.application_in(row.source, applicant=world.owner, staff=world.staff)
    before = f.snapshot(application.pk)
    for account in [world.owner, *world.staff.values()]:
        # Nobody calls a system action through the API: it is no action of theirs (404).
        assert_refused(post_action(account, application.pk, row.action), 404, application.pk, before)

    result = services.application_act(application_id=application.pk, action=row.action, system=True)

    assert result.status == row.target
    event = application.events.order_by("-id").first()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        row.action,
        row.source,
        row.target,
        None,
    )


# --- every other role is refused ------------------------------------------------------------------


@pytest.mark.parametrize("row", USER_ROWS, ids=row_id)
def test_every_other_role_gets_403_and_nothing_changes(world, row):
    application = f.application_in(row.source, applicant=world.owner, staff=world.staff)
    before = f.snapshot(application.pk)
    others = sorted(({engine.APPLICANT} | roles.STAFF_ROLES) - set(allowed_callers(row)))
    assert others, "every row leaves someone out"
    for role in others:
        response = post_action(person(world, role), application.pk, row.action, f.INPUTS.get(row.action, {}))
        assert response.status_code == 403, (role, response.status_code, response.content)
        assert f.snapshot(application.pk) == before, role


@pytest.mark.parametrize("row", USER_ROWS, ids=row_id)
def test_other_talents_and_other_enterprises_hr_get_404(world, row):
    application = f.application_in(row.source, applicant=world.owner, staff=world.staff)
    before = f.snapshot(application.pk)
    stranger = f.talent_user(name="王五")
    other_hr = f.hr_user(f.enterprise())
    for account in (stranger, other_hr):
        response = post_action(account, application.pk, row.action, f.INPUTS.get(row.action, {}))
        assert_refused(response, 404, application.pk, before)


WRONG_STATES = [
    (action, state)
    for action in ACTIONS
    for state in Status.values
    if not any(t.action == action and t.source == state for t in engine.TABLE)
]


@pytest.mark.parametrize(("action", "state"), WRONG_STATES, ids=[f"{a}-in-{s}" for a, s in WRONG_STATES])
def test_the_right_role_in_a_wrong_state_gets_409(world, action, state):
    application = f.application_in(state, applicant=world.owner, staff=world.staff)
    before = f.snapshot(application.pk)
    callers = sorted({role for t in engine.TABLE if t.action == action for role in allowed_callers(t)})
    for role in callers:
        response = post_action(person(world, role), application.pk, action, f.INPUTS.get(action, {}))
        assert response.status_code == 409, (role, response.status_code, response.content)
        assert f.snapshot(application.pk) == before, role


@pytest.mark.parametrize("action", ["frobnicate", "delete", "approve_all", "precheck", "supplement_expired"])
def test_an_unknown_action_is_404_for_everyone(world, action):
    application = f.application_in(Status.PRE_REVIEW, applicant=world.owner, staff=world.staff)
    before = f.snapshot(application.pk)
    for account in [world.owner, *world.staff.values()]:
        assert_refused(post_action(account, application.pk, action), 404, application.pk, before)


# --- separation of duties ------------------------------------------------------------------------

STAFF_ROWS = [t for t in USER_ROWS if t.roles & roles.STAFF_ROLES]


@pytest.mark.parametrize("row", STAFF_ROWS, ids=row_id)
def test_nobody_takes_a_staff_action_on_their_own_application(world, row):
    # A district employee who is also a talent, holding every staff role, applies for themselves.
    insider = f.talent_user(extra_roles=tuple(sorted(roles.STAFF_ROLES)), name="张三")
    application = f.application_in(row.source, applicant=insider, staff=world.staff)
    before = f.snapshot(application.pk)

    response = post_action(insider, application.pk, row.action, f.INPUTS.get(row.action, {}))

    assert_refused(response, 403, application.pk, before)
    detail = f.client_for(insider).get(f"/api/v1/applications/{application.pk}/").json()
    assert row.action not in detail["available_actions"]
    # ... while any other holder of the role may.
    assert (
        post_action(
            world.staff[roles.DISTRICT_ADMIN], application.pk, row.action, f.INPUTS.get(row.action, {})
        ).status_code
        == 200
    )


def test_the_staff_applicant_still_takes_the_applicant_actions(world):
    insider = f.talent_user(extra_roles=(roles.INTAKE_CLERK, roles.DISTRICT_ADMIN))
    application = f.draft(insider)
    client = f.client_for(insider)
    assert client.get(f"/api/v1/applications/{application.pk}/").json()["available_actions"] == ["submit", "withdraw"]
    assert post_action(insider, application.pk, "submit").status_code == 200
    services.application_precheck(application_id=application.pk)
    assert client.get(f"/api/v1/applications/{application.pk}/").json()["available_actions"] == ["withdraw"]


@pytest.mark.parametrize("recommender_roles", [(roles.REVIEWER, roles.APPROVER), (roles.DISTRICT_ADMIN,)])
def test_the_recommender_may_not_approve_but_another_approver_may(world, recommender_roles):
    recommender = f.user(*recommender_roles)
    application = f.application_in(Status.UNDER_REVIEW, applicant=world.owner, staff=world.staff)
    assert post_action(recommender, application.pk, "recommend").status_code == 200
    application.refresh_from_db()
    assert application.recommended_by == recommender
    detail = f.client_for(recommender).get(f"/api/v1/applications/{application.pk}/").json()
    assert detail["available_actions"] == ["return", "reject"]
    before = f.snapshot(application.pk)

    assert_refused(post_action(recommender, application.pk, "approve"), 403, application.pk, before)

    response = post_action(world.staff[roles.APPROVER], application.pk, "approve")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.APPROVED


def test_after_a_return_the_former_recommender_may_approve_what_someone_else_recommended(world):
    dual = f.user(roles.REVIEWER, roles.APPROVER)
    application = f.application_in(Status.UNDER_REVIEW, applicant=world.owner, staff=world.staff)
    assert post_action(dual, application.pk, "recommend").status_code == 200
    assert post_action(world.staff[roles.APPROVER], application.pk, "return", f.INPUTS["return"]).status_code == 200
    assert Application.objects.get(pk=application.pk).recommended_by is None
    f.act(application.pk, "resubmit", world.owner)
    services.application_precheck(application_id=application.pk)
    f.act(application.pk, "accept", world.staff[roles.INTAKE_CLERK])
    f.act(application.pk, "recommend", world.staff[roles.REVIEWER])

    assert post_action(dual, application.pk, "approve").status_code == 200


# --- available_actions is exactly what succeeds -------------------------------------------------


@pytest.mark.parametrize("state", Status.values)
def test_available_actions_is_exactly_what_succeeds(world, state):
    # A reviewer who also holds the approver role recommends, so the duty rule is in play too.
    dual = f.user(roles.REVIEWER, roles.APPROVER)
    after_recommend = {
        Status.PENDING_APPROVAL: [],
        Status.APPROVED: ["approve"],
        Status.COMPLETED: ["approve", "fulfil"],
    }
    if state in after_recommend:
        application = f.application_in(Status.UNDER_REVIEW, applicant=world.owner, staff=world.staff)
        f.act(application.pk, "recommend", dual)
        for action in after_recommend[state]:
            f.act(application.pk, action, world.staff[roles.APPROVER if action == "approve" else roles.INTAKE_CLERK])
        application.refresh_from_db()
        assert application.status == state
    else:
        application = f.application_in(state, applicant=world.owner, staff=world.staff)
    callers = {"applicant": world.owner, "recommender": dual, **world.staff}
    for name, account in callers.items():
        client = f.client_for(account)
        listed = client.get(f"/api/v1/applications/{application.pk}/").json()["available_actions"]
        succeeded = []
        for action in ACTIONS:
            with transaction.atomic():
                response = client.post(
                    f"/api/v1/applications/{application.pk}/actions/{action}/",
                    f.INPUTS.get(action, {}),
                    format="json",
                )
                transaction.set_rollback(True)
            assert response.status_code in (200, 403, 409), (name, action, response.status_code, response.content)
            if response.status_code == 200:
                succeeded.append(action)
        assert sorted(listed) == sorted(succeeded), (state, name)
        assert len(listed) == len(set(listed))
        assert Application.objects.get(pk=application.pk).status == state


# --- inputs --------------------------------------------------------------------------------------

BAD_INPUTS = [
    ("return", Status.PRE_REVIEW, roles.INTAKE_CLERK, {}, "problems"),
    ("return", Status.UNDER_REVIEW, roles.REVIEWER, {"problems": [], "missing_materials": []}, "problems"),
    ("return", Status.PENDING_APPROVAL, roles.APPROVER, {"problems": ["  "]}, "problems"),
    ("return", Status.PRE_REVIEW, roles.INTAKE_CLERK, {"problems": "缺材料"}, "problems"),
    ("return", Status.PRE_REVIEW, roles.INTAKE_CLERK, {"missing_materials": ["no_such_material"]}, "missing_materials"),
    ("return", Status.PRE_REVIEW, roles.INTAKE_CLERK, {"missing_materials": "id_card"}, "missing_materials"),
    ("reject", Status.PRE_REVIEW, roles.INTAKE_CLERK, {}, "reason"),
    ("reject", Status.UNDER_REVIEW, roles.REVIEWER, {"reason": ""}, "reason"),
    ("reject", Status.PENDING_APPROVAL, roles.APPROVER, {"reason": "   ", "note": "no reason"}, "reason"),
    (
        "accept_with_missing",
        Status.PRE_REVIEW,
        roles.INTAKE_CLERK,
        {"missing_materials": ["id_card"]},
        "supplement_days",
    ),
    (
        "accept_with_missing",
        Status.PRE_REVIEW,
        roles.INTAKE_CLERK,
        {"missing_materials": ["id_card"], "supplement_days": 0},
        "supplement_days",
    ),
    (
        "accept_with_missing",
        Status.PRE_REVIEW,
        roles.INTAKE_CLERK,
        {"missing_materials": ["id_card"], "supplement_days": 61},
        "supplement_days",
    ),
    (
        "accept_with_missing",
        Status.PRE_REVIEW,
        roles.INTAKE_CLERK,
        {"missing_materials": ["id_card"], "supplement_days": -3},
        "supplement_days",
    ),
    (
        "accept_with_missing",
        Status.PRE_REVIEW,
        roles.INTAKE_CLERK,
        {"missing_materials": ["id_card"], "supplement_days": "x"},
        "supplement_days",
    ),
    (
        "accept_with_missing",
        Status.PRE_REVIEW,
        roles.INTAKE_CLERK,
        {"missing_materials": ["id_card"], "supplement_days": None},
        "supplement_days",
    ),
    (
        "accept_with_missing",
        Status.PRE_REVIEW,
        roles.INTAKE_CLERK,
        {"problems": ["x"], "supplement_days": 5},
        "missing_materials",
    ),
    (
        "accept_with_missing",
        Status.PRE_REVIEW,
        roles.INTAKE_CLERK,
        {"missing_materials": ["bogus"], "supplement_days": 5},
        "missing_materials",
    ),
]


@pytest.mark.parametrize(("action", "state", "role", "body", "field"), BAD_INPUTS)
def test_bad_inputs_are_400_naming_the_field_and_change_nothing(world, action, state, role, body, field):
    application = f.application_in(state, applicant=world.owner, staff=world.staff)
    before = f.snapshot(application.pk)

    response = post_action(world.staff[role], application.pk, action, body)

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert f.snapshot(application.pk) == before


@pytest.mark.parametrize("days", [1, 60, "7"])
def test_supplement_days_within_1_to_60_are_accepted(world, days):
    application = f.application_in(Status.PRE_REVIEW, applicant=world.owner, staff=world.staff)
    body = {"missing_materials": ["id_card"], "problems": [], "supplement_days": days}
    response = post_action(world.staff[roles.INTAKE_CLERK], application.pk, "accept_with_missing", body)
    assert response.status_code == 200, response.json()
    assert response.json()["missing_materials"] == ["id_card"]
    assert response.json()["supplement_deadline"]


def test_return_tells_everything_at_once_and_the_applicant_sees_it(world):
    application = f.application_in(Status.PRE_REVIEW, applicant=world.owner, staff=world.staff)
    body = {"problems": ["照片不清晰", "姓名与身份证不一致"], "missing_materials": ["id_card", "application_form"]}
    assert post_action(world.staff[roles.INTAKE_CLERK], application.pk, "return", body).status_code == 200
    detail = f.client_for(world.owner).get(f"/api/v1/applications/{application.pk}/").json()
    assert detail["status"] == Status.RETURNED
    assert detail["problems"] == body["problems"]
    assert detail["missing_materials"] == body["missing_materials"]
    assert detail["available_actions"] == ["resubmit", "withdraw"]


def test_reject_records_the_reason(world):
    application = f.application_in(Status.UNDER_REVIEW, applicant=world.owner, staff=world.staff)
    response = post_action(world.staff[roles.REVIEWER], application.pk, "reject", {"reason": "学历不符合要求"})
    assert response.json()["reject_reason"] == "学历不符合要求"
    event = ApplicationEvent.objects.filter(application=application, action="reject").get()
    assert (event.note, event.data["reason"]) == ("学历不符合要求", "学历不符合要求")


# --- one open application per service --------------------------------------------------------------


def test_drafts_are_unlimited_but_a_second_open_application_is_409(world):
    first, second, third = (f.draft(world.owner) for _ in range(3))
    assert post_action(world.owner, first.pk, "submit").status_code == 200
    before = f.snapshot(second.pk)

    response = post_action(world.owner, second.pk, "submit")

    assert_refused(response, 409, second.pk, before)
    assert Application.objects.get(pk=third.pk).status == Status.DRAFT
    # Another service is another matter.
    f.service("wf_other")
    other = f.draft(world.owner, code="wf_other")
    assert post_action(world.owner, other.pk, "submit").status_code == 200


@pytest.mark.parametrize("state", sorted(Status.values))
def test_a_new_application_can_be_submitted_only_once_the_old_one_is_closed(world, state):
    old = f.application_in(state, applicant=world.owner, staff=world.staff)
    new = f.draft(world.owner)
    before = f.snapshot(new.pk)

    response = post_action(world.owner, new.pk, "submit")

    if state in (Status.DRAFT, Status.WITHDRAWN, Status.REJECTED, Status.COMPLETED):
        assert response.status_code == 200, response.content
    else:
        assert_refused(response, 409, new.pk, before)
    assert Application.objects.get(pk=old.pk).status == state


def test_an_hr_user_holding_a_staff_role_does_not_take_staff_actions_on_what_it_submitted(world):
    company = f.enterprise()
    hr_clerk = f.user(roles.ENTERPRISE_HR, roles.INTAKE_CLERK)
    f.enterprise_member_set(user=hr_clerk, enterprise=company)
    employee = f.talent_user(employer=company)
    application = f.draft(hr_clerk, talent_id=employee.talent_profile.pk)
    application = f.drive(application, Status.PRE_REVIEW, applicant=hr_clerk, staff=world.staff)
    before = f.snapshot(application.pk)

    for action in ("accept", "accept_with_missing", "return", "reject"):
        assert_refused(
            post_action(hr_clerk, application.pk, action, f.INPUTS.get(action, {})), 403, application.pk, before
        )
    detail = f.client_for(hr_clerk).get(f"/api/v1/applications/{application.pk}/").json()
    assert detail["available_actions"] == ["withdraw"]
