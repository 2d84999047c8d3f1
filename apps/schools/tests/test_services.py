"""Nominations, withdrawals, verification and the run, through the services."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed
from apps.enterprises.models import Quota, QuotaMovement
from apps.schools import matching, selectors, services
from apps.schools.models import Nomination, Round, School
from apps.talents.tests.factories import hold
from apps.workflow.models import Application
from apps.workflow.states import OPEN, Status

from . import factories as f

pytestmark = pytest.mark.django_db


def _used(enterprise) -> int:
    return Quota.objects.get(enterprise=enterprise, kind=Quota.Kind.SCHOOL_PLACE).used


def test_round_create_commits_to_a_secret_seed():
    w = f.world()
    assert w.round.commitment == hashlib.sha256(w.round.seed_hex.encode()).hexdigest()
    assert w.round.published_seed is None
    assert w.round.current_status() == Round.Status.OPEN
    assert w.round.priority_rule["1"] == 100


def test_round_create_refuses_bad_input_naming_fields_and_non_admins():
    w = f.world()
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as exc:
        services.round_create(
            actor=w.admin,
            year=today.year,
            opens_on=today,
            closes_on=today - dt.timedelta(days=1),
            seats=[{"school": 999_999, "capacity": 1}, {"school": w.schools[0].pk, "capacity": 0}],
            priority_rule={"x": 1},
        )
    assert set(exc.value.as_data()) == {"closes_on", "seats", "priority_rule"}
    with pytest.raises(NotPermitted):
        services.round_create(actor=w.hr, year=today.year, opens_on=today, closes_on=today, seats=[])
    assert Round.objects.count() == 1


def test_nomination_spends_a_slot_and_files_a_submitted_application():
    w = f.world()
    nomination = f.nominate(w, w.parents[0], 1)
    assert nomination.number == f"SP{w.round.year}{nomination.pk:06d}"
    assert nomination.status == Nomination.Status.NOMINATED
    assert nomination.child_birth_date == dt.date(2019, 1, 2)
    assert nomination.child_id_number_masked.startswith("4401") and "*" in nomination.child_id_number_masked
    assert _used(w.enterprise) == 1
    assert QuotaMovement.objects.get().reference == nomination.number
    application = Application.objects.get(pk=nomination.application_id)
    assert application.service.code == "school_place"
    assert application.status in (Status.SUBMITTED, Status.PRE_REVIEW)
    assert application.data == {"nomination": nomination.pk, "round": w.round.pk}
    assert application.applicant_id == w.parents[0].pk and application.enterprise_id == w.enterprise.pk


def test_child_id_is_stored_encrypted_and_found_by_its_keyed_hash():
    from django.db import connection

    w = f.world()
    nomination = f.nominate(w, w.parents[0], 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT child_id_number FROM schools_nomination WHERE id = %s", [nomination.pk])
        stored = cursor.fetchone()[0]
    assert f.child_id(1) not in stored
    assert Nomination.objects.get(pk=nomination.pk).child_id_number == f.child_id(1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"child_id_number": "440105201901010000"}, "child_id_number"),
        ({"child_name": "  "}, "child_name"),
        ({"entry_grade": 10}, "entry_grade"),
        ({"preferences": []}, "preferences"),
        ({"round_id": 999_999}, "round"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(change, field):
    w = f.world()
    with pytest.raises(ValidationFailed) as exc:
        f.nominate(w, w.parents[0], 1, **change)
    assert field in exc.value.as_data()
    assert Nomination.objects.count() == 0 and Application.objects.count() == 0
    assert _used(w.enterprise) == 0


def test_preferences_outside_the_round_duplicated_or_of_the_wrong_stage():
    w = f.world()
    outside = f.school()
    junior = f.school(School.Stage.JUNIOR)
    for preferences in ([outside.pk], [w.schools[0].pk, w.schools[0].pk], ["x"]):
        with pytest.raises(ValidationFailed) as exc:
            f.nominate(w, w.parents[0], 1, preferences=preferences)
        assert list(exc.value.as_data()) == ["preferences"]
    with pytest.raises(ValidationFailed) as exc:
        f.nominate(w, w.parents[0], 1, entry_grade=7)  # primary schools for a junior-school grade
    assert list(exc.value.as_data()) == ["preferences"]
    assert junior.pk not in w.round.seats.values_list("school_id", flat=True)
    assert Nomination.objects.count() == 0


def test_parent_of_another_enterprise_or_unconfirmed_is_400_on_talent():
    w = f.world()
    stranger = f.employee(w.other_enterprise)
    with pytest.raises(ValidationFailed) as exc:
        f.nominate(w, stranger, 1)
    assert list(exc.value.as_data()) == ["talent"]
    claimed = w.parents[1]
    type(claimed).objects.filter(pk=claimed.pk).update(employment_status="claimed")
    with pytest.raises(ValidationFailed) as exc:
        f.nominate(w, claimed, 2)
    assert list(exc.value.as_data()) == ["talent"]
    assert _used(w.enterprise) == 0


def test_only_hr_nominates():
    w = f.world()
    for user in (w.admin, w.parents[0].user):
        with pytest.raises(NotPermitted):
            f.nominate(w, w.parents[0], 1, user=user)


def test_second_live_nomination_of_a_child_is_409_but_after_a_withdrawal_it_is_fine():
    w = f.world()
    first = f.nominate(w, w.parents[0], 1)
    with pytest.raises(Conflict):
        f.nominate(w, w.parents[1], 1)
    assert _used(w.enterprise) == 1
    services.nomination_withdraw(user=w.hr, nomination_id=first.pk)
    again = f.nominate(w, w.parents[1], 1)
    assert again.status == Nomination.Status.NOMINATED
    assert _used(w.enterprise) == 1


def test_a_parent_of_two_children_has_both_nominated_and_verified_in_one_round():
    """Each nomination is its own open ``school_place`` application (the workflow's one-open rule holds
    per nomination): twins of one key talent are both nominated, both verified, and both take part."""
    w = f.world(capacities=(2, 1))
    twins = [f.nominate(w, w.parents[0], 1), f.nominate(w, w.parents[0], 2)]
    assert _used(w.enterprise) == 2
    assert len({t.application.pk for t in twins}) == 2
    # Both filed and submitted: two open cases of the same parent for the same service.
    assert all(Application.objects.get(pk=t.application.pk).status in OPEN for t in twins)
    for twin in twins:
        f.verify(w, twin)
    assert [t.status for t in twins] == [Nomination.Status.APPROVED] * 2
    services.round_run(actor=w.admin, round_id=w.round.pk)
    for twin in twins:
        twin.refresh_from_db()
    assert all(t.assigned_school_id is not None for t in twins)


def test_no_slot_left_is_409_and_nothing_is_written():
    w = f.world(quota_total=1)
    f.nominate(w, w.parents[0], 1)
    with pytest.raises(Conflict):
        f.nominate(w, w.parents[1], 2)
    assert Nomination.objects.count() == 1 and Application.objects.count() == 1
    assert _used(w.enterprise) == 1


def test_withdraw_before_close_releases_the_slot_and_withdraws_the_application():
    w = f.world()
    nomination = f.nominate(w, w.parents[0], 1)
    services.nomination_withdraw(user=w.hr, nomination_id=nomination.pk)
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN
    assert nomination.application.status == Status.WITHDRAWN
    assert _used(w.enterprise) == 0
    with pytest.raises(Conflict):
        services.nomination_withdraw(user=w.hr, nomination_id=nomination.pk)
    assert _used(w.enterprise) == 0


def test_withdraw_after_close_is_409_and_other_enterprise_gets_404():
    w = f.world()
    nomination = f.nominate(w, w.parents[0], 1)
    with pytest.raises(NotFound):
        services.nomination_withdraw(user=w.other_hr, nomination_id=nomination.pk)
    Round.objects.filter(pk=w.round.pk).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Conflict):
        services.nomination_withdraw(user=w.hr, nomination_id=nomination.pk)
    assert _used(w.enterprise) == 1


def test_rejection_by_staff_releases_the_slot():
    w = f.world()
    nomination = f.verify(w, f.nominate(w, w.parents[0], 1), approve=False)
    assert nomination.status == Nomination.Status.REJECTED
    assert _used(w.enterprise) == 0


def test_the_run_assigns_by_priority_on_verified_categories_only():
    w = f.world(capacities=(1, 1))
    a, b = w.schools
    top, unverified, plain = w.parents[0], w.parents[1], w.parents[2]
    hold(top, "thousand_talents")
    hold(unverified, "academician", verified=False)
    noms = [f.verify(w, f.nominate(w, p, n, preferences=[a.pk])) for n, p in enumerate([top, unverified, plain], 1)]
    f.verify(w, f.nominate(w, w.parents[3], 4, preferences=[b.pk, a.pk]))
    services.round_run(round_id=w.round.pk, actor=w.admin)
    for n in noms:
        n.refresh_from_db()
    assert [n.priority for n in noms] == [90, 0, 0]
    assert noms[0].status == Nomination.Status.ASSIGNED and noms[0].assigned_school_id == a.pk
    assert {noms[1].status, noms[2].status} == {Nomination.Status.UNASSIGNED}
    assert noms[1].unassigned_reason == services.REASON_ALL_FULL
    # Applications are fulfilled with the result.
    app = Application.objects.get(pk=noms[0].application_id)
    assert app.status == Status.COMPLETED and app.result["school"] == a.pk
    assert Application.objects.get(pk=noms[1].application_id).result["school"] is None
    # Seats counted, seed revealed, recomputable.
    w.round.refresh_from_db()
    assert w.round.status == Round.Status.RUN and w.round.published_seed == w.round.seed_hex
    assert selectors.seats_left(w.round) == {a.pk: 0, b.pk: 0}
    record = selectors.assignment_record(w.round)
    students = [matching.Student(s["number"], s["priority"], tuple(s["preferences"])) for s in record["students"]]
    capacities = {s["id"]: s["capacity"] for s in record["schools"]}
    assert matching.deferred_acceptance(students, capacities, record["seed_hex"]) == record["assignment"]
    assert matching.check_assignment(students, capacities, record["seed_hex"], record["assignment"]) == []


def test_run_twice_is_409_and_only_admin_runs():
    w = f.world()
    with pytest.raises(NotPermitted):
        services.round_run(round_id=w.round.pk, actor=w.hr)
    services.round_run(round_id=w.round.pk, actor=w.admin)
    with pytest.raises(Conflict):
        services.round_run(round_id=w.round.pk, actor=w.admin)


def test_a_problem_found_by_the_self_check_refuses_to_publish(monkeypatch):
    w = f.world()
    nomination = f.verify(w, f.nominate(w, w.parents[0], 1))
    # A broken algorithm that gives a school the student did not rank: the check refuses it.
    monkeypatch.setattr(
        matching, "deferred_acceptance", lambda students, caps, seed: {s.number: 12345 for s in students}
    )
    with pytest.raises(Conflict):
        services.round_run(round_id=w.round.pk, actor=w.admin)
    w.round.refresh_from_db()
    nomination.refresh_from_db()
    assert w.round.status == Round.Status.OPEN and nomination.status == Nomination.Status.APPROVED


def test_nominations_not_verified_do_not_take_part_and_cannot_be_approved_after_the_run():
    w = f.world()
    pending = f.nominate(w, w.parents[0], 1)
    services.round_run(round_id=w.round.pk, actor=w.admin)
    with pytest.raises(Conflict):
        f.verify(w, pending)
    pending.refresh_from_db()
    assert pending.status == Nomination.Status.NOMINATED


def test_a_second_round_offers_the_seats_left():
    w = f.world(capacities=(2, 1))
    f.verify(w, f.nominate(w, w.parents[0], 1, preferences=[w.schools[0].pk]))
    services.round_run(round_id=w.round.pk, actor=w.admin)
    assert selectors.seats_left(w.round) == {w.schools[0].pk: 1, w.schools[1].pk: 1}
    today = timezone.localdate()
    kwargs = dict(actor=w.admin, year=today.year, opens_on=today, closes_on=today, previous_id=w.round.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.round_create(seats=[{"school": w.schools[0].pk, "capacity": 2}], **kwargs)
    assert list(exc.value.as_data()) == ["seats"]
    second = services.round_create(seats=[{"school": w.schools[0].pk, "capacity": 1}], **kwargs)
    assert second.previous_id == w.round.pk and second.commitment != w.round.commitment
    # The unassigned parent's application is completed: a new nomination in round 2 is possible.
    f.nominate(w, w.parents[1], 2, round_id=second.pk, preferences=[w.schools[0].pk])


def test_figures():
    w = f.world(capacities=(1, 1))
    a, b = w.schools
    for n, parent in enumerate(w.parents[:3], 1):
        f.verify(w, f.nominate(w, parent, n, preferences=[a.pk, b.pk]))
    services.round_run(round_id=w.round.pk, actor=w.admin)
    figures = selectors.round_figures(w.round)
    assert figures["participants"] == 3
    assert (figures["first_choice_share"], figures["top3_share"], figures["unassigned_share"]) == (33.3, 66.7, 33.3)
    assert [s["left"] for s in figures["seats_left"]] == [0, 0]
    mine = [q for q in figures["quota_used"] if q["enterprise"] == w.enterprise.pk]
    assert mine == [{"enterprise": w.enterprise.pk, "name": w.enterprise.name, "total": 5, "used": 3}]
    overview = selectors.overview_figures(year=w.round.year)
    assert (overview["assigned"], overview["unassigned"], overview["quota_used"]) == (2, 1, 3)
