"""Hand-worked examples of apps/schools/matching.py: each outcome below was computed on paper, round
by round, and the lottery keys with coreutils' ``sha256sum`` (not Python)."""

from __future__ import annotations

import pytest

from apps.schools.matching import (
    Student,
    check_assignment,
    commitment,
    deferred_acceptance,
    deferred_acceptance_proposing,
    explain,
    figures,
    lottery_key,
    ranking,
    unassigned_reasons,
)

BOTH = pytest.mark.parametrize("run", [deferred_acceptance, deferred_acceptance_proposing], ids=["sd", "proposals"])

X, Y, Z = 101, 102, 103
SEED = "0" * 64  # printf '%s' "$SEED:SP2026-000001" | sha256sum
KEYS = {
    "SP2026-000001": "76ae17801a4d15b0fca3a5b2b9675703b5b4badfac5b8c8a2d11515a4f7eda98",
    "SP2026-000002": "06df826ed2a7a5fd16450e5b67337db21433409296baca12774d37dd81bb6d8b",
    "SP2026-000003": "1f9e04a266a7092093dc9a6b546f6ead245fbd70061813176deabb93de1c3d55",
}


def test_known_sha256_values():
    assert commitment(SEED) == "60e05bd1b195af2f94112fa7197a5c88289058840ce7c6df9693756bc6250f55"
    for number, key in KEYS.items():
        assert lottery_key(SEED, number) == key


@BOTH
def test_a_rejection_chain(run):
    """X, Y, Z one seat each; priorities a 3 > b 2 > c 1 > d 0.

    Round 1: a→Y (held), b→X and c→X (X keeps b, rejects c), d→Z (held).
    Round 2: c→Z, which keeps c (priority 1) and rejects d (0). d has nothing left: unassigned.
    """
    students = [
        Student("a", 3, (Y, X)),
        Student("b", 2, (X, Y, Z)),
        Student("c", 1, (X, Z)),
        Student("d", 0, (Z,)),
    ]
    capacities = {X: 1, Y: 1, Z: 1}
    result = run(students, capacities, SEED)
    assert result == {"a": Y, "b": X, "c": Z, "d": None}
    assert check_assignment(students, capacities, SEED, result) == []

    reasons = unassigned_reasons(students, capacities, SEED, result)
    assert list(reasons) == ["d"]
    assert reasons["d"].code == "all_filled"
    assert [(r.school, r.reason, r.cutoff_priority) for r in reasons["d"].rejections] == [(Z, "higher_priority", 1)]
    assert str(reasons["d"].rejections[0]) == (
        "学校 103 的学位已全部分配给优先级更高的学生（最低录取优先级 1，本人 0）"
    )
    c = explain(students, capacities, SEED, result)["c"]
    assert (c.code, c.choice, str(c)) == (
        "better_filled",
        2,
        "已录取第 2 志愿：更靠前志愿学校的学位均已由排序更高的学生占满",
    )
    assert [(r.school, r.reason, r.cutoff_priority) for r in c.rejections] == [(X, "higher_priority", 2)]

    summary = figures(students, capacities, result)
    assert (summary.first_choice, summary.top3, summary.unassigned) == (2, 3, 1)
    assert summary.seats_left == {X: 0, Y: 0, Z: 0}
    assert summary.unassigned_share == 0.25


@BOTH
def test_the_lottery_breaks_a_tie(run):
    """Three students of equal priority for two seats at X: the keys order them 000002 (06df…),
    000003 (1f9e…), 000001 (76ae…), so 000001 is left out; at Y (one seat) they all come second."""
    students = [Student(number, 1, (X, Y)) for number in ("SP2026-000001", "SP2026-000002", "SP2026-000003")]
    assert ranking(students, SEED) == [1, 2, 0]
    result = run(students, {X: 2, Y: 0}, SEED)
    assert result == {"SP2026-000001": None, "SP2026-000002": X, "SP2026-000003": X}
    reason = unassigned_reasons(students, {X: 2, Y: 0}, SEED, result)["SP2026-000001"]
    assert [(r.school, r.reason) for r in reason.rejections] == [(X, "lottery"), (Y, "no_seats")]
    assert reason.rejections[0].cutoff_key == KEYS["SP2026-000003"]
    # a higher priority wins whatever the draw
    students[0] = Student("SP2026-000001", 2, (X, Y))
    assert run(students, {X: 2, Y: 0}, SEED) == {"SP2026-000001": X, "SP2026-000002": X, "SP2026-000003": None}


@BOTH
def test_truth_telling_is_safe_where_the_boston_mechanism_punishes_it(run):
    """X and Y one seat each; a 2 > b 1 > c 0; a and b rank X then Y, c ranks Y only.

    The Boston (immediate acceptance) mechanism would seat a at X and c at Y in round 1, leaving b,
    who ranked X first, with nothing: b would have done better to rank Y first. Deferred acceptance:
    b, rejected by X, still takes Y from c (b outranks c), so ranking honestly costs b nothing; and c
    cannot get Y by any report.
    """
    capacities = {X: 1, Y: 1}
    truthful = [Student("a", 2, (X, Y)), Student("b", 1, (X, Y)), Student("c", 0, (Y,))]
    assert run(truthful, capacities, SEED) == {"a": X, "b": Y, "c": None}
    b_lies = [truthful[0], Student("b", 1, (Y,)), truthful[2]]
    assert run(b_lies, capacities, SEED)["b"] == Y
    for lie in [(), (Y, X), (X, Y), (X,)]:
        assert run([truthful[0], truthful[1], Student("c", 0, lie)], capacities, SEED)["c"] in (None, X)


@BOTH
def test_several_seats_and_a_displaced_holder(run):
    """X two seats, Y one. p 1 (X), q 0 (X, Y), r 0 (Y), s 2 (X, Y); the lottery orders q before r.

    Proposals: p, q, s → X (X keeps s and p, rejects q); r → Y (held); q → Y, where q outranks r:
    Y keeps q and rejects r. Result: p X, q Y, r none, s X.
    """
    numbers = {"q": "SP2026-000002", "r": "SP2026-000003"}  # q's key 06df… < r's key 1f9e…
    students = [
        Student("p", 1, (X,)),
        Student(numbers["q"], 0, (X, Y)),
        Student(numbers["r"], 0, (Y,)),
        Student("s", 2, (X, Y)),
    ]
    capacities = {X: 2, Y: 1}
    result = run(students, capacities, SEED)
    assert result == {"p": X, numbers["q"]: Y, numbers["r"]: None, "s": X}
    assert check_assignment(students, capacities, SEED, result) == []
    reason = unassigned_reasons(students, capacities, SEED, result)[numbers["r"]]
    assert [(r.school, r.reason, r.cutoff_key) for r in reason.rejections] == [(Y, "lottery", KEYS[numbers["q"]])]


@BOTH
def test_nobody_and_nothing(run):
    assert run([], {X: 3}, SEED) == {}
    assert run([Student("a", 0, ())], {}, SEED) == {"a": None}
    reason = unassigned_reasons([Student("a", 0, ())], {}, SEED, {"a": None})["a"]
    assert (reason.code, reason.rejections, str(reason)) == ("no_preferences", (), "未填报任何学校，未获分配")
    assert figures([], {X: 3}, {}).seats_left == {X: 3}
