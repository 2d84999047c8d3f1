"""Property tests of apps/schools/matching.py: stability, student-optimality against a brute-force
search, the self-check's verdicts, the lottery and reproducibility (pure Python, no database)."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apps.schools import matching
from apps.schools.matching import (
    MatchingInputError,
    Student,
    check_assignment,
    commitment,
    deferred_acceptance,
    deferred_acceptance_proposing,
    explain,
    figures,
    find_problems,
    lottery_key,
    new_seed,
    ranking,
    recheck,
    unassigned_reasons,
)

# --- An independent model of the rules (hashlib, no code from matching.py) ------------------------

Instance = tuple[list[Student], dict[int, int], str]


def school_key(student: Student, seed_hex: str) -> tuple[int, str]:
    """How every school ranks a student: priority descending, then sha256(seed:number) hex ascending."""
    return (-student.priority, hashlib.sha256(f"{seed_hex}:{student.number}".encode()).hexdigest())


def position(student: Student, school: int | None) -> int:
    """0 for the first choice, ...; len(preferences) for unassigned (worse than every ranked school)."""
    return len(student.preferences) if school is None else student.preferences.index(school)


def is_stable(students: Sequence[Student], capacities: Mapping[int, int], seed_hex: str, assignment) -> bool:
    """No school over capacity, nobody at a school they did not rank, no blocking pair."""
    holders: dict[int, list[Student]] = {school: [] for school in capacities}
    for student in students:
        school = assignment[student.number]
        if school is not None:
            if school not in student.preferences:
                return False
            holders[school].append(student)
    if any(len(holders[school]) > capacity for school, capacity in capacities.items()):
        return False
    for student in students:
        mine = school_key(student, seed_hex)
        for school in student.preferences[: position(student, assignment[student.number])]:
            if len(holders[school]) < capacities[school]:
                return False
            if any(school_key(other, seed_hex) > mine for other in holders[school]):
                return False
    return True


def feasible_assignments(students: Sequence[Student], capacities: Mapping[int, int]) -> Iterator[dict]:
    """Every assignment of each student to a school on their list or to none, within capacities."""
    used = dict.fromkeys(capacities, 0)
    current: dict[str, int | None] = {}

    def place(i: int) -> Iterator[dict]:
        if i == len(students):
            yield dict(current)
            return
        student = students[i]
        for school in (None, *student.preferences):
            if school is not None:
                if used[school] >= capacities[school]:
                    continue
                used[school] += 1
            current[student.number] = school
            yield from place(i + 1)
            if school is not None:
                used[school] -= 1

    yield from place(0)


# --- Strategies ------------------------------------------------------------------------------------

seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)


@st.composite
def instances(draw, max_students: int = 7, max_schools: int = 4) -> Instance:
    schools = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=max_schools, unique=True))
    capacities = {school: draw(st.integers(0, 3)) for school in schools}
    numbers = draw(
        st.lists(
            st.text(alphabet="HZ0123456789-学位", min_size=1, max_size=8),
            max_size=max_students,
            unique=True,
        )
    )
    students = []
    for number in numbers:
        order = draw(st.permutations(schools))
        length = draw(st.integers(0, len(schools)))  # empty lists included
        priority = draw(st.integers(-1, 2))  # few levels: many ties, broken by the lottery
        students.append(Student(number, priority, tuple(order[:length])))
    return students, capacities, draw(seeds)


# --- Deferred acceptance ---------------------------------------------------------------------------


@settings(deadline=None, max_examples=100)
@given(instances())
def test_result_is_stable_complete_and_agrees_with_the_proposals(instance: Instance):
    students, capacities, seed_hex = instance
    assignment = deferred_acceptance(students, capacities, seed_hex)
    assert list(assignment) == [s.number for s in students]
    assert check_assignment(students, capacities, seed_hex, assignment) == []
    assert is_stable(students, capacities, seed_hex, assignment)
    assert deferred_acceptance_proposing(students, capacities, seed_hex) == assignment


@settings(deadline=None, max_examples=80)
@given(instances())
def test_student_optimal_against_every_stable_assignment(instance: Instance):
    students, capacities, seed_hex = instance
    result = deferred_acceptance(students, capacities, seed_hex)
    stable = []
    for candidate in feasible_assignments(students, capacities):
        verdict = is_stable(students, capacities, seed_hex, candidate)
        # the self-check agrees with the independent model on every feasible assignment
        assert (check_assignment(students, capacities, seed_hex, candidate) == []) is verdict
        if verdict:
            stable.append(candidate)
    assert result in stable
    for other in stable:
        for student in students:
            assert position(student, result[student.number]) <= position(student, other[student.number])
    # with one order shared by all schools the stable assignment is unique
    assert stable == [result]


@settings(deadline=None, max_examples=40)
@given(instances(), st.randoms(use_true_random=False))
def test_reproducible_and_independent_of_the_input_order(instance: Instance, rng: random.Random):
    students, capacities, seed_hex = instance
    first = deferred_acceptance(students, capacities, seed_hex)
    assert deferred_acceptance(students, capacities, seed_hex) == first
    shuffled = students[:]
    rng.shuffle(shuffled)
    assert deferred_acceptance(shuffled, dict(reversed(capacities.items())), seed_hex) == first


@settings(deadline=None, max_examples=40)
@given(instances(max_students=12, max_schools=5))
def test_no_family_gains_by_misreporting(instance: Instance):
    """Strategy-proofness, checked for each student against every truncation and reversal of their list."""
    students, capacities, seed_hex = instance
    truthful = deferred_acceptance(students, capacities, seed_hex)
    for i, student in enumerate(students):
        true_position = position(student, truthful[student.number])
        lies = {student.preferences[::-1]} | {student.preferences[:k] for k in range(len(student.preferences))}
        for lie in lies:
            others = [*students[:i], Student(student.number, student.priority, lie), *students[i + 1 :]]
            got = deferred_acceptance(others, capacities, seed_hex)[student.number]
            assert position(student, got) >= true_position


def test_a_larger_instance_matches_the_proposals_and_checks_clean():
    rng = random.Random(2026)
    schools = list(range(1, 41))
    capacities = {school: rng.randint(0, 12) for school in schools}
    students = [
        Student(f"SP2026-{i:05d}", rng.choice([0, 0, 0, 1, 1, 2, 3]), tuple(rng.sample(schools, rng.randint(0, 6))))
        for i in range(600)
    ]
    seed_hex = "ab" * 32
    assignment = deferred_acceptance(students, capacities, seed_hex)
    assert deferred_acceptance_proposing(students, capacities, seed_hex) == assignment
    assert check_assignment(students, capacities, seed_hex, assignment) == []
    assert is_stable(students, capacities, seed_hex, assignment)
    taken = Counter(school for school in assignment.values() if school is not None)
    assert all(taken[school] <= capacities[school] for school in schools)
    assert sum(taken.values()) > 0


# --- The lottery -----------------------------------------------------------------------------------


def test_commitment_and_lottery_key_are_the_published_sha256():
    assert commitment("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    seed_hex = "0123456789abcdef" * 4
    assert commitment(seed_hex) == hashlib.sha256(seed_hex.encode("ascii")).hexdigest()
    expected = hashlib.sha256(b"0123456789abcdef" * 4 + b":SP2026-000001").hexdigest()
    assert lottery_key(seed_hex, "SP2026-000001") == expected
    assert lottery_key(seed_hex, "SP2026-000002") != expected
    assert lottery_key("", "学位") == hashlib.sha256(":学位".encode()).hexdigest()


def test_new_seed_is_64_hex_digits_and_fresh():
    seeds_drawn = {new_seed() for _ in range(20)}
    assert len(seeds_drawn) == 20
    for seed_hex in seeds_drawn:
        assert len(seed_hex) == 64
        int(seed_hex, 16)
        assert len(commitment(seed_hex)) == 64


@settings(deadline=None, max_examples=60)
@given(instances(max_students=20))
def test_ranking_is_priority_then_lottery_key(instance: Instance):
    students, _, seed_hex = instance
    expected = sorted(range(len(students)), key=lambda i: school_key(students[i], seed_hex))
    assert ranking(students, seed_hex) == expected


def test_ties_go_to_the_earlier_lottery_key_and_priority_beats_the_lottery():
    seed_hex = "5e" * 32
    numbers = [f"SP2026-{i:03d}" for i in range(20)]
    by_key = sorted(numbers, key=lambda n: lottery_key(seed_hex, n))
    winner, *_, loser = by_key
    students = [Student(n, 1, (7,)) for n in numbers]
    assert deferred_acceptance(students, {7: 1}, seed_hex)[winner] == 7
    # the worst lottery key with a higher priority takes the seat
    students = [Student(n, 2 if n == loser else 1, (7,)) for n in numbers]
    result = deferred_acceptance(students, {7: 1}, seed_hex)
    assert result[loser] == 7
    assert result[winner] is None
    # another seed, another draw: the same students, reproducibly
    other = deferred_acceptance([Student(n, 1, (7,)) for n in numbers], {7: 1}, "00" * 32)
    assert other == deferred_acceptance([Student(n, 1, (7,)) for n in numbers], {7: 1}, "00" * 32)
    assert [n for n, s in other.items() if s] == [min(numbers, key=lambda n: lottery_key("00" * 32, n))]


# --- The self-check on broken assignments ----------------------------------------------------------


def codes(students, capacities, seed_hex, assignment) -> Counter:
    return Counter(problem.code for problem in find_problems(students, capacities, seed_hex, assignment))


@settings(deadline=None, max_examples=40)
@given(instances(), st.data())
def test_check_detects_over_capacity(instance: Instance, data):
    students, capacities, seed_hex = instance
    assignment = deferred_acceptance(students, capacities, seed_hex)
    full = Counter(s for s in assignment.values() if s is not None)
    # someone who ranked a school that is full but is not there
    candidates = [
        (s, school)
        for s in students
        for school in s.preferences
        if assignment[s.number] != school and full[school] == capacities[school]
    ]
    assume(candidates)
    student, school = data.draw(st.sampled_from(candidates))
    broken = {**assignment, student.number: school}
    found = codes(students, capacities, seed_hex, broken)
    assert found["over_capacity"] == 1
    assert check_assignment(students, capacities, seed_hex, broken)
    assert not is_stable(students, capacities, seed_hex, broken)


@settings(deadline=None, max_examples=40)
@given(instances(), st.data())
def test_check_detects_an_unranked_school(instance: Instance, data):
    students, capacities, seed_hex = instance
    assignment = deferred_acceptance(students, capacities, seed_hex)
    candidates = [(s, school) for s in students for school in capacities if school not in s.preferences]
    assume(candidates)
    student, school = data.draw(st.sampled_from(candidates))
    broken = {**assignment, student.number: school}
    problems = find_problems(students, capacities, seed_hex, broken)
    assert [(p.number, p.school) for p in problems if p.code == "unranked_school"] == [(student.number, school)]
    assert any(str(student.number) in text for text in check_assignment(students, capacities, seed_hex, broken))


@settings(deadline=None, max_examples=40)
@given(instances(), st.data())
def test_check_detects_blocking_pairs(instance: Instance, data):
    students, capacities, seed_hex = instance
    assignment = deferred_acceptance(students, capacities, seed_hex)
    placed = [s for s in students if assignment[s.number] is not None]
    assume(placed)
    student = data.draw(st.sampled_from(placed))
    school = assignment[student.number]
    # demote them: to nothing, or to a school further down their list with a free seat
    broken = {**assignment, student.number: None}
    problems = find_problems(students, capacities, seed_hex, broken)
    assert ("blocking_pair", student.number, school) in {(p.code, p.number, p.school) for p in problems}
    assert not is_stable(students, capacities, seed_hex, broken)


@settings(deadline=None, max_examples=40)
@given(instances(), st.data())
def test_check_detects_a_swap_that_favours_a_lower_ranked_student(instance: Instance, data):
    students, capacities, seed_hex = instance
    assignment = deferred_acceptance(students, capacities, seed_hex)
    order = ranking(students, seed_hex)
    taken = Counter(assignment.values())
    pairs = [
        (students[a], students[b])
        for x, a in enumerate(order)
        for b in order[x + 1 :]
        if (school := assignment[students[a].number]) is not None
        and taken[school] == capacities[school]
        and school in students[b].preferences
        and school != assignment[students[b].number]
    ]
    assume(pairs)
    better, worse = data.draw(st.sampled_from(pairs))
    school = assignment[better.number]
    # the lower-ranked one takes the better one's seat at a full school; the better one goes unassigned
    broken = {**assignment, worse.number: school, better.number: None}
    problems = find_problems(students, capacities, seed_hex, broken)
    assert any(
        p.code == "blocking_pair" and p.number == better.number and p.school == school and p.other is not None
        for p in problems
    )


def test_check_names_each_kind_of_problem():
    seed_hex = "11" * 32
    students = [Student("A", 2, (1, 2)), Student("B", 1, (1,)), Student("C", 0, ())]
    capacities = {1: 1, 2: 1}
    good = deferred_acceptance(students, capacities, seed_hex)
    assert good == {"A": 1, "B": None, "C": None}
    assert check_assignment(students, capacities, seed_hex, good) == []

    # the lower-priority B holds A's school: blocking pair (A, 1) naming B
    problems = find_problems(students, capacities, seed_hex, {"A": None, "B": 1, "C": None})
    assert [(p.code, p.number, p.school, p.other) for p in problems] == [
        ("blocking_pair", "A", 1, "B"),
        ("blocking_pair", "A", 2, None),
    ]
    texts = check_assignment(students, capacities, seed_hex, {"A": None, "B": 1, "C": None})
    assert texts == [
        "阻塞对：学生 A 更愿意去学校 1，而该校录取了排序更低的学生 B",
        "阻塞对：学生 A 更愿意去学校 2，而该校尚有空余学位",
    ]
    assert codes(students, capacities, seed_hex, {"A": 1, "B": 1, "C": None}) == Counter({"over_capacity": 1})
    assert codes(students, capacities, seed_hex, {"A": 1, "B": None, "C": 2}) == Counter({"unranked_school": 1})
    assert codes(students, capacities, seed_hex, {"A": 1, "B": None, "C": 9}) == Counter({"unknown_school": 1})
    assert codes(students, capacities, seed_hex, {"A": 1, "B": None}) == Counter({"missing_student": 1})
    assert codes(students, capacities, seed_hex, {**good, "Z": 2}) == Counter({"unknown_student": 1})
    # faults of the input itself are reported, not raised
    assert codes([*students, Student("A", 0, ())], capacities, seed_hex, good) == Counter({"duplicate_student": 1})
    assert codes([Student("A", 2, (1, 1))], capacities, seed_hex, {"A": 1})["invalid_preferences"] == 1
    assert codes([Student("A", 2, (3,))], capacities, seed_hex, {"A": None})["invalid_preferences"] == 1
    assert codes(students, {1: 1, 2: -1}, seed_hex, good)["negative_capacity"] == 1


@pytest.mark.parametrize(
    ("students", "capacities"),
    [
        ([Student("A", 0, (1,)), Student("A", 1, ())], {1: 1}),
        ([Student("A", 0, (1, 1))], {1: 1}),
        ([Student("A", 0, (2,))], {1: 1}),
        ([Student("A", 0, (1,))], {1: -1}),
    ],
    ids=["duplicate number", "school twice", "unknown school", "negative capacity"],
)
def test_bad_input_is_refused(students, capacities):
    for function in (deferred_acceptance, deferred_acceptance_proposing, explain):
        with pytest.raises(MatchingInputError):
            if function is explain:
                function(students, capacities, "00", {})
            else:
                function(students, capacities, "00")


# --- Explanations and figures ----------------------------------------------------------------------


@settings(deadline=None, max_examples=60)
@given(instances())
def test_every_rejection_is_explained_by_a_higher_ranked_holder(instance: Instance):
    students, capacities, seed_hex = instance
    assignment = deferred_acceptance(students, capacities, seed_hex)
    explanations = explain(students, capacities, seed_hex, assignment)
    assert set(explanations) == {s.number for s in students}
    for student in students:
        explanation = explanations[student.number]
        school = assignment[student.number]
        assert explanation.assigned == school
        assert [r.school for r in explanation.rejections] == list(student.preferences[: position(student, school)])
        if school is None:
            assert explanation.code == ("all_filled" if student.preferences else "no_preferences")
            assert explanation.choice is None
        else:
            assert explanation.choice == student.preferences.index(school) + 1
            assert explanation.code == ("first_choice" if explanation.choice == 1 else "better_filled")
        mine = lottery_key(seed_hex, student.number)
        for rejection in explanation.rejections:
            assert rejection.reason != "open"
            if capacities[rejection.school] == 0:
                assert rejection.reason == "no_seats"
                continue
            assert rejection.cutoff_priority is not None and rejection.cutoff_key is not None
            holders = [s for s in students if assignment[s.number] == rejection.school]
            assert len(holders) == capacities[rejection.school]
            if rejection.reason == "higher_priority":
                assert rejection.cutoff_priority > student.priority
                assert all(h.priority > student.priority for h in holders)
            else:
                assert rejection.reason == "lottery"
                assert rejection.cutoff_priority == student.priority
                assert rejection.cutoff_key < mine
            assert str(rejection)
        assert str(explanation)
    unassigned = unassigned_reasons(students, capacities, seed_hex, assignment)
    assert set(unassigned) == {n for n, s in assignment.items() if s is None}


def test_explain_shows_an_unstable_assignment_as_open():
    students = [Student("A", 1, (1,)), Student("B", 0, (1,))]
    explanation = explain(students, {1: 1}, "00", {"A": None, "B": 1})["A"]
    assert [r.reason for r in explanation.rejections] == ["open"]


@settings(deadline=None, max_examples=50)
@given(instances())
def test_figures_count_first_choice_top3_unassigned_and_seats_left(instance: Instance):
    students, capacities, seed_hex = instance
    assignment = deferred_acceptance(students, capacities, seed_hex)
    result = figures(students, capacities, assignment)
    assert result.students == len(students)
    assert result.unassigned == sum(1 for s in assignment.values() if s is None)
    assert result.first_choice == sum(1 for s in students if s.preferences and assignment[s.number] == s.preferences[0])
    assert result.top3 == sum(1 for s in students if assignment[s.number] in s.preferences[:3])
    taken = Counter(assignment.values())
    assert result.seats_left == {school: capacities[school] - taken[school] for school in capacities}
    assert all(left >= 0 for left in result.seats_left.values())
    if students:
        assert result.first_choice_share == result.first_choice / len(students)
    else:
        assert result.unassigned_share == result.top3_share == result.first_choice_share == 0.0


# --- Rechecking a published round ------------------------------------------------------------------


def published(students: Sequence[Student], capacities: Mapping[int, int], seed_hex: str, assignment) -> dict:
    """The shape of GET /api/v1/schools/rounds/{id}/assignment/, through JSON (keys become strings)."""
    record = {
        "round": 1,
        "seed_hex": seed_hex,
        "commitment": hashlib.sha256(seed_hex.encode()).hexdigest(),
        "schools": [{"id": school, "capacity": capacity} for school, capacity in capacities.items()],
        "students": [
            {"number": s.number, "priority": s.priority, "preferences": list(s.preferences)} for s in students
        ],
        "assignment": assignment,
    }
    return json.loads(json.dumps(record))


@settings(deadline=None, max_examples=40)
@given(instances())
def test_recheck_accepts_a_published_round_and_catches_tampering(instance: Instance):
    students, capacities, seed_hex = instance
    assignment = deferred_acceptance(students, capacities, seed_hex)
    record = published(students, capacities, seed_hex, assignment)
    assert recheck(record) == []
    assert [p.code for p in recheck({**record, "commitment": "0" * 64})] == ["commitment_mismatch"]
    assert [p.code for p in recheck({**record, "seed_hex": None})] == ["seed_unrevealed"]
    placed = [number for number, school in assignment.items() if school is not None]
    if placed:
        tampered = {**record, "assignment": {**record["assignment"], placed[0]: None}}
        assert "blocking_pair" in {p.code for p in recheck(tampered)}


def test_recheck_compares_with_a_rerun(monkeypatch):
    students = [Student("a", 1, (1,)), Student("b", 0, (1,))]
    record = published(students, {1: 1}, "ab" * 32, {"a": 1, "b": None})
    assert recheck(record) == []
    monkeypatch.setattr(matching, "deferred_acceptance", lambda *args: {"a": None, "b": 1})
    assert [(p.code, p.number) for p in recheck(record)] == [("differs_from_rerun", "a"), ("differs_from_rerun", "b")]


def test_recheck_from_the_command_line(tmp_path, capsys):
    students = [Student("a", 1, (1, 2)), Student("b", 0, (1,))]
    good = published(students, {1: 1, 2: 0}, "cd" * 32, deferred_acceptance(students, {1: 1, 2: 0}, "cd" * 32))
    path = tmp_path / "assignment.json"
    path.write_text(json.dumps(good))
    assert matching.main([str(path)]) == 0
    assert capsys.readouterr().out.startswith("OK: 2 students, 2 schools")
    path.write_text(json.dumps({**good, "assignment": {"a": None, "b": 1}}))
    assert matching.main([str(path)]) == 1
    assert "阻塞对：学生 a 更愿意去学校 1" in capsys.readouterr().out
    assert matching.main([]) == 2
