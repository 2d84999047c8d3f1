"""Notifications leave only after the action's transaction commits, and each event tells each
person once. Real commits (transactional_db), so the on-commit hooks and the eager tasks run as in
production on the embedded default."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail
from django.db import transaction

from apps.accounts import roles
from apps.core.exceptions import Conflict
from apps.notifications.models import Notification
from apps.workflow import engine, notifying
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.states import Status

from . import factories as f
from .factories import database_left_as_migrated  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_left_as_migrated")]


class Boom(Exception):
    pass


@pytest.fixture
def staff():
    f.service()
    return f.staff_users()


def post(account, application_id: int, action: str, body: dict | None = None):
    response = f.client_for(account).post(
        f"/api/v1/applications/{application_id}/actions/{action}/", body or {}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.parametrize(
    ("state", "action", "role"),
    [
        (Status.DRAFT, "submit", "applicant"),
        (Status.PRE_REVIEW, "accept", roles.INTAKE_CLERK),
        (Status.PRE_REVIEW, "return", roles.INTAKE_CLERK),
        (Status.UNDER_REVIEW, "reject", roles.REVIEWER),
    ],
)
def test_an_action_in_a_rolled_back_transaction_sends_nothing(staff, state, action, role):
    owner = f.talent_user()
    application = f.application_in(state, applicant=owner, staff=staff)
    mail.outbox.clear()
    before = f.snapshot(application.pk)
    actor = owner if role == "applicant" else staff[role]

    with pytest.raises(Boom):
        with transaction.atomic():
            changed = f.act(application.pk, action, actor)
            assert changed.status != state  # the action itself went through ...
            raise Boom  # ... and then the surrounding transaction failed

    assert f.snapshot(application.pk) == before
    assert Notification.objects.count() == before["notifications"]
    assert mail.outbox == []
    assert Application.objects.get(pk=application.pk).status == state  # no pre-check ran either


def test_nothing_is_written_before_commit_and_everything_after(staff):
    owner = f.talent_user()
    application = f.draft(owner)

    with transaction.atomic():
        f.act(application.pk, "submit", owner)
        assert Notification.objects.count() == 0
        assert mail.outbox == []
        assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED

    # After commit: the submit notice, then the eager pre-check and its notice.
    assert Application.objects.get(pk=application.pk).status == Status.PRE_REVIEW
    assert list(Notification.objects.order_by("id").values_list("kind", "recipient")) == [
        ("application.submitted", owner.pk),
        ("application.prechecked", owner.pk),
    ]
    assert [m.to for m in mail.outbox] == [[owner.email], [owner.email]]


def test_a_refused_action_sends_nothing(staff):
    owner = f.talent_user()
    application = f.application_in(Status.PENDING_APPROVAL, applicant=owner, staff=staff)
    count = Notification.objects.count()
    mail.outbox.clear()
    response = f.client_for(staff[roles.REVIEWER]).post(
        f"/api/v1/applications/{application.pk}/actions/approve/", {}, format="json"
    )
    assert response.status_code == 403
    assert (Notification.objects.count(), mail.outbox) == (count, [])


def test_a_service_hook_that_refuses_rolls_back_the_action_and_its_notice(staff):
    class Exhausted(engine.ServiceSteps):
        def on_approve(self, application, *, actor, inputs):
            application.result = {"quota": "spent"}
            raise Conflict("quota exhausted")

    f.service("wf_hook")
    engine.register(Exhausted(code="wf_hook"))
    try:
        owner = f.talent_user()
        application = f.application_in(Status.PENDING_APPROVAL, applicant=owner, staff=staff, code="wf_hook")
        before = f.snapshot(application.pk)
        mail.outbox.clear()

        response = f.client_for(staff[roles.APPROVER]).post(
            f"/api/v1/applications/{application.pk}/actions/approve/", {}, format="json"
        )

        assert response.status_code == 409
        assert f.snapshot(application.pk) == before
        assert mail.outbox == []
    finally:
        engine._REGISTRY.pop("wf_hook", None)


def _flow(staff, submitter, app_id: int) -> None:
    post(submitter, app_id, "submit")  # the eager pre-check follows on commit
    post(staff[roles.INTAKE_CLERK], app_id, "return", f.INPUTS["return"])
    post(submitter, app_id, "resubmit")
    post(staff[roles.INTAKE_CLERK], app_id, "accept_with_missing", f.INPUTS["accept_with_missing"])
    # The material accepted as missing comes in before the review can recommend.
    assert f.upload(f.client_for(submitter), app_id, "id_card", f.pdf_bytes()).status_code == 201
    post(staff[roles.REVIEWER], app_id, "recommend")
    post(staff[roles.APPROVER], app_id, "approve")
    post(staff[roles.INTAKE_CLERK], app_id, "fulfil", {"note": "已办结"})


def test_each_event_notifies_the_talent_and_the_submitting_hr_exactly_once(staff):
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    application = f.draft(hr, talent_id=employee.talent_profile.pk)

    _flow(staff, hr, application.pk)

    notifying_events = ApplicationEvent.objects.filter(
        application=application, action__in=notifying.KIND_BY_ACTION
    ).order_by("id")
    assert [e.action for e in notifying_events] == [
        "submit",
        "precheck",
        "return",
        "resubmit",
        "precheck",
        "accept_with_missing",
        "supplemented",
        "recommend",
        "approve",
        "fulfil",
    ]
    for person in (hr, employee):
        mine = Notification.objects.filter(recipient=person)
        assert Counter(mine.values_list("event_key", flat=True)) == {
            f"application-event:{e.pk}": 1 for e in notifying_events
        }
        assert list(mine.order_by("id").values_list("kind", flat=True)) == [
            notifying.KIND_BY_ACTION[e.action] for e in notifying_events
        ]
    # Staff are told nothing about their own actions; the clerk who accepted it (its assignee since)
    # is told the missing material came in. E-mail went once per notice.
    clerk = staff[roles.INTAKE_CLERK]
    assert list(Notification.objects.exclude(recipient__in=[hr, employee]).values_list("recipient", "kind")) == [
        (clerk.pk, "application.supplemented")
    ]
    assert len(mail.outbox) == 2 * len(notifying_events) + 1
    assert Counter(tuple(m.to) for m in mail.outbox) == {
        (hr.email,): len(notifying_events),
        (employee.email,): len(notifying_events),
        (clerk.email,): 1,
    }


def test_a_talent_who_applied_themselves_is_told_once_and_nobody_else(staff):
    owner = f.talent_user()
    application = f.draft(owner)
    _flow(staff, owner, application.pk)
    # the applicant, and the clerk the application is assigned to (told the material came in)
    assert set(Notification.objects.values_list("recipient", flat=True)) == {owner.pk, staff[roles.INTAKE_CLERK].pk}
    keys = list(Notification.objects.filter(recipient=owner).values_list("event_key", "kind"))
    assert len(keys) == len(set(keys)) == 10


def test_replaying_an_event_does_not_notify_twice(staff):
    company = f.enterprise()
    hr = f.hr_user(company)
    employee = f.talent_user(employer=company)
    application = f.draft(hr, talent_id=employee.talent_profile.pk)
    post(hr, application.pk, "submit")
    post(staff[roles.INTAKE_CLERK], application.pk, "reject", f.INPUTS["reject"])
    notices = list(Notification.objects.order_by("id").values_list("pk", "recipient", "kind", "email_status"))
    sent = len(mail.outbox)
    assert sent == len(notices) == 6  # submit, precheck, reject × (HR, talent)

    for event in ApplicationEvent.objects.filter(application=application):
        notifying.notify_application_event(event.pk)
        with transaction.atomic():
            notifying.notify_application_event(event.pk)

    assert list(Notification.objects.order_by("id").values_list("pk", "recipient", "kind", "email_status")) == notices
    assert len(mail.outbox) == sent


def test_the_reject_notice_carries_the_reason(staff):
    owner = f.talent_user()
    application = f.application_in(Status.UNDER_REVIEW, applicant=owner, staff=staff)
    post(staff[roles.REVIEWER], application.pk, "reject", {"reason": "学历证明与学信网记录不符"})
    notice = Notification.objects.get(kind="application.rejected")
    assert "学历证明与学信网记录不符" in notice.body
    assert notice.recipient == owner
