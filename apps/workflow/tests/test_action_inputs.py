"""An action keeps only the inputs it uses: nothing else a caller sends reaches the append-only event
or the applicant's notice."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.accounts import roles
from apps.notifications.models import Notification
from apps.workflow import engine, notifying
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status

from . import factories as f

pytestmark = pytest.mark.django_db

D = dt.date
MONDAY = D(2026, 3, 2)  # five working days later: Monday 2026-03-09


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


def post(account, application_id: int, action: str, body: dict):
    return f.client_for(account).post(f"/api/v1/applications/{application_id}/actions/{action}/", body, format="json")


def test_a_supplement_deadline_sent_by_the_clerk_is_ignored_and_the_computed_one_recorded(
    staff, django_capture_on_commit_callbacks
):
    # given an application waiting for intake
    owner = f.talent_user()
    application = f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff)

    # when the clerk accepts it with a material missing and slips in a deadline of their own
    with f.frozen_today(MONDAY), django_capture_on_commit_callbacks(execute=True):
        response = post(
            staff[roles.INTAKE_CLERK],
            application.pk,
            "accept_with_missing",
            {"missing_materials": ["id_card"], "supplement_days": 5, "supplement_deadline": "2099-12-31"},
        )

    # then the record, the event and the talent's message all carry the computed deadline
    assert response.status_code == 200, response.json()
    assert response.json()["supplement_deadline"] == "2026-03-09"
    event = ApplicationEvent.objects.get(application=application, action="accept_with_missing")
    assert event.data == {
        "missing_materials": ["id_card"],
        "problems": [],
        "supplement_days": 5,
        "supplement_deadline": "2026-03-09",
    }
    notice = Notification.objects.get(recipient=owner, kind="application.accepted_with_missing")
    assert "2026-03-09" in notice.body
    assert "2099" not in notice.body


@pytest.mark.parametrize(
    ("state", "action", "role"),
    [
        (Status.PRE_REVIEW, "accept", roles.INTAKE_CLERK),
        (Status.UNDER_REVIEW, "recommend", roles.REVIEWER),
        (Status.PENDING_APPROVAL, "approve", roles.APPROVER),
        (Status.APPROVED, "fulfil", roles.INTAKE_CLERK),
    ],
)
def test_inputs_an_action_does_not_take_are_not_recorded(
    staff, state, action, role, django_capture_on_commit_callbacks
):
    # given an application in ``state``
    owner = f.talent_user()
    application = f.application_in(state, applicant=owner, staff=staff)

    # when staff send every input an action could take, and some of their own
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            staff[role],
            application.pk,
            action,
            {
                "note": "ok",
                "reason": "伪造的理由",
                "missing_materials": ["id_card"],
                "problems": ["伪造的问题"],
                "supplement_days": 3,
                "supplement_deadline": "2099-12-31",
                "result": {"card_number": "FAKE"},
            },
        )

    # then only the note is kept
    assert response.status_code == 200, response.json()
    event = ApplicationEvent.objects.get(application=application, action=action)
    assert (event.note, event.data) == ("ok", {})
    application = Application.objects.get(pk=application.pk)
    assert (application.missing_materials, application.problems, application.supplement_deadline) == ([], [], None)
    assert application.reject_reason == ""
    [notice] = Notification.objects.filter(recipient=owner, kind=notifying.KIND_BY_ACTION[action])
    assert "伪造" not in notice.body and "2099" not in notice.body and "FAKE" not in notice.body


def test_a_reject_keeps_only_its_reason_and_note(staff):
    owner = f.talent_user()
    application = f.application_in(Status.UNDER_REVIEW, applicant=owner, staff=staff)

    response = post(
        staff[roles.REVIEWER],
        application.pk,
        "reject",
        {
            "reason": "不符合条件",
            "missing_materials": ["id_card"],
            "problems": ["x"],
            "supplement_deadline": "2099-12-31",
        },
    )

    assert response.status_code == 200, response.json()
    event = ApplicationEvent.objects.get(application=application, action="reject")
    assert (event.note, event.data) == ("不符合条件", {"reason": "不符合条件"})


def test_a_return_keeps_its_materials_and_problems_but_no_deadline(staff):
    owner = f.talent_user()
    application = f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff)

    response = post(
        staff[roles.INTAKE_CLERK],
        application.pk,
        "return",
        {
            "missing_materials": ["id_card"],
            "problems": ["照片不清晰"],
            "supplement_days": 5,
            "supplement_deadline": "2099-12-31",
        },
    )

    assert response.status_code == 200, response.json()
    event = ApplicationEvent.objects.get(application=application, action="return")
    assert event.data == {"missing_materials": ["id_card"], "problems": ["照片不清晰"]}


def test_a_service_action_gets_the_inputs_its_row_names_and_nothing_else(staff):
    # given a service with an action of its own that takes an ``offer`` input
    seen: list[dict] = []

    class Offers(engine.ServiceSteps):
        def on_offer(self, application, *, actor, inputs):
            seen.append(dict(inputs))

    f.service("wf_offer")
    engine.register(
        Offers(
            code="wf_offer",
            extra_transitions=tuple(
                engine._t("offer", [Status.UNDER_REVIEW], Status.UNDER_REVIEW, [roles.REVIEWER], inputs=("offer",))
            ),
        )
    )
    try:
        owner = f.talent_user()
        application = f.application_in(Status.UNDER_REVIEW, applicant=owner, staff=staff, code="wf_offer")

        # when the reviewer takes it with that input and others
        response = post(
            staff[roles.REVIEWER],
            application.pk,
            "offer",
            {"offer": "unit-12", "note": "n", "missing_materials": ["id_card"], "supplement_deadline": "2099-12-31"},
        )
    finally:
        engine._REGISTRY.pop("wf_offer", None)

    # then the hook sees the named input and the note only, and the event records neither extra
    assert response.status_code == 200, response.json()
    assert seen == [{"note": "n", "offer": "unit-12"}]
    assert ApplicationEvent.objects.get(application=application, action="offer").data == {}
