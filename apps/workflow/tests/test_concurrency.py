"""Races on PostgreSQL: two requests at once, each on its own thread and database connection.

One open application per talent per service is checked in Python under the application's row
lock, but two *different* drafts lock different rows, so both checks can pass; the partial unique
index ``one_open_application_per_subject`` is the backstop that turns the loser into a 409.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from apps.accounts import roles
from apps.workflow import engine
from apps.workflow.models import Application, ApplicationEvent, Attachment
from apps.workflow.states import Status

from . import factories as f
from .factories import database_left_as_migrated  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_left_as_migrated")]


def at_once(*calls: Callable[[], Any], barrier: threading.Barrier | None = None) -> list[Any]:
    """Run each call on its own thread, released together by a barrier; each thread closes its
    own database connection at the end. Returns the results (or the exceptions) in order."""
    barrier = barrier or threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=20)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a racing request hung"
    return results


def submit_call(account, application_id: int) -> Callable[[], int]:
    client = f.client_for(account)  # the token is made here, on the test's thread

    def call() -> int:
        return client.post(f"/api/v1/applications/{application_id}/actions/submit/", {}, format="json").status_code

    return call


@pytest.mark.postgres
def test_two_drafts_submitted_at_once_open_exactly_one_application():
    f.service()
    for _ in range(3):  # a few rounds: the outcome must not depend on who wins
        owner = f.talent_user()
        first, second = f.draft(owner), f.draft(owner)

        codes = at_once(submit_call(owner, first.pk), submit_call(owner, second.pk))

        assert sorted(codes) == [200, 409], codes
        open_ones = Application.objects.filter(applicant=owner.talent_profile).exclude(status=Status.DRAFT)
        assert open_ones.count() == 1
        loser = second if codes[0] == 200 else first
        assert Application.objects.get(pk=loser.pk).status == Status.DRAFT
        assert not ApplicationEvent.objects.filter(application=loser, action="submit").exists()


@pytest.mark.postgres
def test_when_both_python_checks_pass_the_partial_unique_index_refuses_the_second():
    """Both submits are held inside the transaction, after the Python check and before the save,
    until both have got there: only the database can tell them apart now."""
    f.service("wf_race")
    inside = threading.Barrier(2)
    reached: list[int] = []

    class HoldBeforeSave(engine.ServiceSteps):
        def on_submit(self, application, *, actor, inputs):
            reached.append(application.pk)
            inside.wait(timeout=20)

    engine.register(HoldBeforeSave(code="wf_race"))
    try:
        owner = f.talent_user()
        first, second = f.draft(owner, code="wf_race"), f.draft(owner, code="wf_race")

        codes = at_once(submit_call(owner, first.pk), submit_call(owner, second.pk))
    finally:
        engine._REGISTRY.pop("wf_race", None)

    assert sorted(reached) == sorted([first.pk, second.pk])  # both passed the Python check
    assert sorted(codes) == [200, 409], codes
    statuses = sorted(Application.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True))
    assert statuses == sorted([Status.DRAFT, Status.PRE_REVIEW])


def test_the_partial_unique_index_allows_many_drafts_and_one_open_application():
    f.service()
    owner = f.talent_user()
    drafts = [f.draft(owner) for _ in range(3)]
    Application.objects.filter(pk=drafts[0].pk).update(status=Status.UNDER_REVIEW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=drafts[1].pk).update(status=Status.RETURNED)
    # Closed ones do not count.
    Application.objects.filter(pk=drafts[0].pk).update(status=Status.COMPLETED)
    Application.objects.filter(pk=drafts[1].pk).update(status=Status.PUBLICITY)
    Application.objects.filter(pk=drafts[2].pk).update(status=Status.WITHDRAWN)


@pytest.mark.postgres
def test_two_clerks_deciding_intake_at_once_decide_once():
    staff = f.staff_users()
    f.service()
    owner = f.talent_user()
    application = f.application_in(Status.PRE_REVIEW, applicant=owner, staff=staff)
    second_clerk = f.user(roles.INTAKE_CLERK)
    calls = []
    for clerk, action, body in (
        (staff[roles.INTAKE_CLERK], "accept", {}),
        (second_clerk, "accept_with_missing", f.INPUTS["accept_with_missing"]),
    ):
        client = f.client_for(clerk)
        calls.append(
            lambda client=client, action=action, body=body: (
                client.post(f"/api/v1/applications/{application.pk}/actions/{action}/", body, format="json").status_code
            )
        )

    codes = at_once(*calls)

    assert sorted(codes) == [200, 409], codes
    # The loser waited for the row lock, then found the application accepted already: 409.
    application.refresh_from_db()
    assert application.status == Status.UNDER_REVIEW
    assert application.missing_materials == ([] if codes[0] == 200 else ["id_card"])
    decisions = ApplicationEvent.objects.filter(application=application, action__in=["accept", "accept_with_missing"])
    assert decisions.count() == 1


@pytest.mark.postgres
def test_two_uploads_of_one_material_at_once_become_versions_1_and_2():
    f.service()
    owner = f.talent_user()
    application = f.draft(owner)
    clients = [f.client_for(owner), f.client_for(owner)]
    contents = [f.pdf_bytes(b"one"), f.pdf_bytes(b"two")]

    codes = at_once(
        *[
            lambda client=client, content=content: (
                f.upload(client, application.pk, "application_form", content).status_code
            )
            for client, content in zip(clients, contents, strict=True)
        ]
    )

    assert codes == [201, 201]
    versions = sorted(Attachment.objects.filter(application=application).values_list("version", flat=True))
    assert versions == [1, 2]
