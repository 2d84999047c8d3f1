"""Stable assignment of school places (issue 13): the lottery, deferred acceptance and its self-check.

Pure Python, no Django: the round's run, the assignment endpoint, the results page and the bench all
call these functions, and anyone can recheck a published round with them (or with the rules below).

The rules
=========

* A **student** is one approved nomination: its ``number``, its ``priority`` (from the round's rule,
  the parent's talent category level; **higher first**) and its ``preferences``: school ids, **best
  first**. A school the family did not rank is unacceptable to it; an empty list is allowed (that
  student stays unassigned). A school appears at most once in a list.
* Every **school** has ``capacities[school]`` seats (≥ 0) and ranks the students who apply to it by
  ``priority`` descending, then by the **lottery key** ascending, where
  ``lottery_key(seed_hex, number) = sha256(seed_hex + ":" + number)`` as lowercase hex. The seed
  (``new_seed``, 32 random bytes as hex) is committed when the round opens
  (``commitment(seed) = sha256(seed_hex)`` as hex, published) and revealed at the run, so nobody can
  choose the draw after seeing the nominations, and anyone can check the seed against the
  commitment. Two equal keys (a sha256 collision) would fall back to the number, so the order is
  always total.
* The assignment is the **student-optimal stable matching**, the outcome of student-proposing
  deferred acceptance (Gale–Shapley): every student proposes to their best school not yet tried;
  each school keeps its best-ranked proposers up to its capacity and rejects the rest; rejected
  students propose to their next school, until nobody is rejected or has schools left. It is:

  - *stable*: no student ``s`` and school ``c`` such that ``s`` prefers ``c`` to their assignment
    (any ranked school is preferred to none) while ``c`` has a free seat or holds a student ranked
    below ``s`` (a "blocking pair"); so nobody loses a seat to a student of lower rank;
  - *student-optimal*: every student weakly prefers it to every other stable assignment;
  - *strategy-proof* for the families: no family gains by ranking schools other than in its true order.

* Because the schools here all rank students by the same key (priority, then the one lottery),
  there is exactly one stable assignment, and it is that of the serial dictatorship in that order:
  take the students best-ranked first, each gets the best school on their list that still has a
  seat. Proof, by induction over the order: suppose every stable assignment places the students
  ranked above ``s`` as serial dictatorship does. A school ``s`` ranks above their serial-dictatorship
  school ``c`` is filled by those students, so it cannot hold ``s`` (it would be over capacity) and
  ``s`` cannot block with it; ``c`` still has a seat after them, so if ``s`` were anywhere worse,
  ``(s, c)`` would block (a free seat, or a holder ranked below ``s``). So ``s`` is at ``c`` too.
  Deferred acceptance yields a stable assignment, hence this one. ``deferred_acceptance`` computes it
  that way, in O(n log n + n·prefs); ``deferred_acceptance_proposing`` runs the proposals themselves
  (a heap of held students per school) and gives the same result; the tests check both against a
  brute-force search over every feasible assignment.

``check_assignment`` verifies a published assignment independently: everyone present once,
capacities, only ranked schools, no blocking pair; ``recheck`` does it from the assignment
endpoint's JSON, seed and commitment included (also ``python -m apps.schools.matching FILE``).
``explain`` says why a student did not get a school they ranked higher (``unassigned_reasons`` for
the unassigned ones), ``figures`` gives the round's figures.

Human-readable texts are Chinese msgids marked with ``gettext_noop`` (extracted by makemessages):
each problem and reason keeps its ``template`` and ``params`` so the caller can translate
(``gettext(p.template) % p.params``); ``str()`` gives the untranslated text.
"""

from __future__ import annotations

import hashlib
import heapq
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter, contains
from typing import Any, Literal


def gettext_noop(message: str) -> str:
    """Mark a msgid for extraction without importing Django (this module stays pure)."""
    return message


class MatchingInputError(ValueError):
    """The students or capacities break the rules above (a duplicate number, an unknown or repeated
    school in a preference list, a negative capacity)."""


# --- The lottery -----------------------------------------------------------------------------------


def new_seed() -> str:
    """A fresh lottery seed: 32 random bytes from ``secrets`` as 64 lowercase hex digits."""
    return secrets.token_hex(32)


def commitment(seed_hex: str) -> str:
    """The published commitment to a seed: ``sha256(seed_hex.encode()).hexdigest()``."""
    return hashlib.sha256(seed_hex.encode()).hexdigest()


def lottery_key(seed_hex: str, number: str) -> str:
    """A student's lottery key: ``sha256((seed_hex + ":" + number).encode()).hexdigest()``; lower first."""
    return hashlib.sha256((seed_hex + ":" + number).encode()).hexdigest()


@dataclass(frozen=True)
class Student:
    """One applicant: ``number`` (the nomination number), ``priority`` (higher first) and
    ``preferences`` (school ids, best first; schools not listed are unacceptable)."""

    number: str
    priority: int
    preferences: tuple[int, ...]


def _columns(students: Sequence[Student]) -> tuple[list[str], list[int], list[tuple[int, ...]]]:
    """The students' numbers, priorities and preference lists as three lists (C-level loops)."""
    return (
        list(map(attrgetter("number"), students)),
        list(map(attrgetter("priority"), students)),
        list(map(attrgetter("preferences"), students)),
    )


def _input_faults(
    numbers: Sequence[str], preferences: Sequence[tuple[int, ...]], capacities: Mapping[int, int]
) -> bool:
    """Whether the input may break the rules (cheap, set-level; ``_validate`` says where)."""
    return (
        any(capacity < 0 for capacity in capacities.values())
        or len(set(numbers)) != len(numbers)
        or list(map(len, map(frozenset, preferences))) != list(map(len, preferences))
        or not set().union(*preferences) <= capacities.keys()
    )


def _validate(students: Sequence[Student], capacities: Mapping[int, int]) -> None:
    """Raise ``MatchingInputError`` naming the first student or school that breaks the rules."""
    numbers, _, preferences = _columns(students)
    if not _input_faults(numbers, preferences, capacities):
        return
    for school, capacity in capacities.items():
        if capacity < 0:
            raise MatchingInputError(f"school {school}: negative capacity {capacity}")
    seen: set[str] = set()
    for student in students:
        if student.number in seen:
            raise MatchingInputError(f"student {student.number} appears twice")
        seen.add(student.number)
        if len(set(student.preferences)) != len(student.preferences):
            raise MatchingInputError(f"student {student.number}: a school is ranked twice")
        for school in student.preferences:
            if school not in capacities:
                raise MatchingInputError(f"student {student.number}: unknown school {school}")


def _order(numbers: Sequence[str], priorities: Sequence[int], seed_hex: str) -> list[int]:
    """The indices in the schools' order, best first (see ``ranking``)."""
    prefix = (seed_hex + ":").encode()
    sha256 = hashlib.sha256
    # digest + number as one bytes key orders exactly as (lottery key, number): the digest has a
    # fixed length, lowercase hex preserves byte order and UTF-8 preserves code point order.
    keys = [sha256(prefix + encoded).digest() + encoded for encoded in map(str.encode, numbers)]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    if len(set(priorities)) > 1:
        negated = [-priority for priority in priorities]
        order.sort(key=negated.__getitem__)  # stable: the lottery order within each priority stays
    return order


def ranking(students: Sequence[Student], seed_hex: str) -> list[int]:
    """The indices of ``students`` in the schools' order, best first: priority descending, then the
    lottery key ascending (then the number, should two keys ever collide)."""
    numbers, priorities, _ = _columns(students)
    return _order(numbers, priorities, seed_hex)


def _rank_of(order: Sequence[int]) -> list[int]:
    """``rank[i]``: the position of index ``i`` in ``order`` (0 = best)."""
    rank = [0] * len(order)
    for position, index in enumerate(order):
        rank[index] = position
    return rank


def _ranks(students: Sequence[Student], seed_hex: str) -> list[int]:
    """``rank[i]``: the position of ``students[i]`` in ``ranking`` (0 = best)."""
    return _rank_of(ranking(students, seed_hex))


# --- Deferred acceptance ---------------------------------------------------------------------------


def deferred_acceptance(
    students: Sequence[Student], capacities: Mapping[int, int], seed_hex: str
) -> dict[str, int | None]:
    """The student-optimal stable assignment (student-proposing deferred acceptance) under the rules
    of the module: ``{number: school id or None}`` for every student, in the order given.

    Computed as serial dictatorship in the schools' common order, which gives exactly the outcome of
    the proposals (see the module docstring; ``deferred_acceptance_proposing`` runs them).
    Raises ``MatchingInputError`` on input that breaks the rules.
    """
    numbers, priorities, preferences = _columns(students)
    if _input_faults(numbers, preferences, capacities):
        _validate(students, capacities)
    seats = dict(capacities)
    assigned: list[int | None] = [None] * len(numbers)
    for index in _order(numbers, priorities, seed_hex):
        for school in preferences[index]:
            if seats[school]:
                seats[school] -= 1
                assigned[index] = school
                break
    return dict(zip(numbers, assigned, strict=True))


def deferred_acceptance_proposing(
    students: Sequence[Student], capacities: Mapping[int, int], seed_hex: str
) -> dict[str, int | None]:
    """The same assignment as ``deferred_acceptance``, computed by the proposals themselves.

    A stack of free students; each proposes to the next school on its list; the school holds a
    max-heap of ``(-rank, index)`` of at most ``capacity`` students and, when full, swaps its
    worst-ranked holder for a better-ranked proposer (who then proposes again). O(n·prefs·log cap).
    """
    numbers, priorities, preferences = _columns(students)
    if _input_faults(numbers, preferences, capacities):
        _validate(students, capacities)
    rank = _rank_of(_order(numbers, priorities, seed_hex))
    next_choice = [0] * len(numbers)
    held: dict[int, list[tuple[int, int]]] = {school: [] for school in capacities}
    free = list(range(len(numbers) - 1, -1, -1))
    heappush, heapreplace = heapq.heappush, heapq.heapreplace
    while free:
        index = free.pop()
        own = preferences[index]
        choice = next_choice[index]
        my_rank = rank[index]
        while choice < len(own):
            school = own[choice]
            choice += 1
            heap = held[school]
            capacity = capacities[school]
            if len(heap) < capacity:
                heappush(heap, (-my_rank, index))
                break
            if capacity and -heap[0][0] > my_rank:
                _, rejected = heapreplace(heap, (-my_rank, index))
                free.append(rejected)
                break
        next_choice[index] = choice
    assigned: list[int | None] = [None] * len(numbers)
    for school, heap in held.items():
        for _, index in heap:
            assigned[index] = school
    return dict(zip(numbers, assigned, strict=True))


# --- The self-check --------------------------------------------------------------------------------

ProblemCode = Literal[
    "duplicate_student",
    "invalid_preferences",
    "negative_capacity",
    "missing_student",
    "unknown_student",
    "unknown_school",
    "unranked_school",
    "over_capacity",
    "blocking_pair",
    "seed_unrevealed",
    "commitment_mismatch",
    "differs_from_rerun",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an assignment: ``code``, the student ``number`` and ``school`` concerned
    (when there is one), ``other`` (the lower-ranked student a school holds, for a blocking pair),
    and the text ``template % params``."""

    code: ProblemCode
    template: str
    params: dict[str, object] = field(default_factory=dict, hash=False)
    number: str | None = None
    school: int | None = None
    other: str | None = None

    def __str__(self) -> str:
        return self.template % self.params


def find_problems(
    students: Sequence[Student],
    capacities: Mapping[int, int],
    seed_hex: str,
    assignment: Mapping[str, int | None],
) -> list[Problem]:
    """Everything that keeps ``assignment`` from being the stable assignment of the rules: the
    input's own faults, students missing from it or unknown to it, unknown schools, schools the
    student did not rank, schools over capacity, and every blocking pair (a student and a school they
    prefer to their assignment that has a free seat or holds a student ranked below them).
    ``[]`` means it is stable. O(n log n + n·prefs).
    """
    problems: list[Problem] = []
    numbers, priorities, preferences = _columns(students)
    by_number: dict[str, int]
    if not _input_faults(numbers, preferences, capacities):
        by_number = dict(zip(numbers, range(len(numbers)), strict=True))
    else:
        by_number = {}
        problems.extend(_input_problems(students, capacities, by_number))

    problems.extend(
        Problem("unknown_student", gettext_noop("分配结果中的学生 %(number)s 不在名单中"), {"number": n}, number=n)
        for n in assignment
        if n not in by_number
    )

    order = _order(numbers, priorities, seed_hex)
    rank = _rank_of(order)
    current = list(map(assignment.get, numbers))
    kept: set[int] | None = None  # the indices counted when a number repeats (its first one)
    if len(by_number) != len(numbers):
        kept = set(by_number.values())
        order = [index for index in order if index in kept]
    taken = list(map(current.__getitem__, order))
    count = Counter(taken)  # school (None, unknown ones too) -> students assigned there
    worst = dict(zip(taken, order, strict=True))  # school -> its lowest-ranked holder (the last in order)

    if not by_number.keys() <= assignment.keys():
        problems.extend(
            Problem("missing_student", gettext_noop("学生 %(number)s 不在分配结果中"), {"number": n}, number=n)
            for n in by_number
            if n not in assignment
        )
    unknown = count.keys() - capacities.keys() - {None}
    ranked = sum(map(contains, preferences, current))  # students at a school on their list
    clean = kept is None and not unknown and ranked == len(numbers) - count[None]
    for index in () if clean else order:
        school = current[index]
        if school is None:
            continue
        if school in unknown:
            problems.append(
                Problem(
                    "unknown_school",
                    gettext_noop("学生 %(number)s 被分配到不在本轮的学校 %(school)s"),
                    {"number": numbers[index], "school": school},
                    number=numbers[index],
                    school=school,
                )
            )
        elif school not in preferences[index]:
            problems.append(
                Problem(
                    "unranked_school",
                    gettext_noop("学生 %(number)s 被分配到未填报的学校 %(school)s"),
                    {"number": numbers[index], "school": school},
                    number=numbers[index],
                    school=school,
                )
            )

    # A student of rank r blocks with a school they prefer when r < its threshold: past every rank
    # while it has a free seat, else its lowest-ranked holder's rank (-1: no seat and no holder).
    threshold: dict[int, int] = {}
    for school, capacity in capacities.items():
        if count[school] > capacity:
            problems.append(
                Problem(
                    "over_capacity",
                    gettext_noop("学校 %(school)s 分配了 %(assigned)s 人，超过学位数 %(capacity)s"),
                    {"school": school, "assigned": count[school], "capacity": capacity},
                    school=school,
                )
            )
        if count[school] < capacity:
            threshold[school] = len(numbers)
        else:
            threshold[school] = rank[worst[school]] if school in worst else -1

    get_threshold = threshold.get
    for index, (own, assigned, own_rank) in enumerate(zip(preferences, current, rank, strict=True)):
        for school in own:
            if school == assigned:
                break
            if own_rank < get_threshold(school, -1) and (kept is None or index in kept):
                problems.append(_blocking_pair(students, index, school, count, capacities, worst))
    return problems


def _input_problems(
    students: Sequence[Student], capacities: Mapping[int, int], by_number: dict[str, int]
) -> list[Problem]:
    """The faults of the input itself; fills ``by_number`` with each number's first index."""
    problems: list[Problem] = []
    for school, capacity in capacities.items():
        if capacity < 0:
            problems.append(
                Problem(
                    "negative_capacity",
                    gettext_noop("学校 %(school)s 的学位数 %(capacity)s 为负数"),
                    {"school": school, "capacity": capacity},
                    school=school,
                )
            )
    for index, student in enumerate(students):
        if student.number in by_number:
            problems.append(
                Problem(
                    "duplicate_student",
                    gettext_noop("学生 %(number)s 出现了不止一次"),
                    {"number": student.number},
                    number=student.number,
                )
            )
            continue
        by_number[student.number] = index
        seen: set[int] = set()
        for school in student.preferences:
            if school in seen or school not in capacities:
                problems.append(
                    Problem(
                        "invalid_preferences",
                        gettext_noop("学生 %(number)s 的志愿中学校 %(school)s 重复或不在本轮"),
                        {"number": student.number, "school": school},
                        number=student.number,
                        school=school,
                    )
                )
            seen.add(school)
    return problems


def _blocking_pair(
    students: Sequence[Student],
    index: int,
    school: int,
    count: Mapping[int | None, int],
    capacities: Mapping[int, int],
    worst: Mapping[int | None, int],
) -> Problem:
    number = students[index].number
    if count[school] < capacities[school]:
        return Problem(
            "blocking_pair",
            gettext_noop("阻塞对：学生 %(number)s 更愿意去学校 %(school)s，而该校尚有空余学位"),
            {"number": number, "school": school},
            number=number,
            school=school,
        )
    other = students[worst[school]].number
    return Problem(
        "blocking_pair",
        gettext_noop("阻塞对：学生 %(number)s 更愿意去学校 %(school)s，而该校录取了排序更低的学生 %(other)s"),
        {"number": number, "school": school, "other": other},
        number=number,
        school=school,
        other=other,
    )


def check_assignment(
    students: Sequence[Student],
    capacities: Mapping[int, int],
    seed_hex: str,
    assignment: Mapping[str, int | None],
) -> list[str]:
    """The problems of ``find_problems`` as text; ``[]`` when the assignment is stable under the rules.

    Because all schools share one order there is exactly one stable assignment (induction over the
    order, as for serial dictatorship), so ``[]`` also means that ``assignment`` is the one
    ``deferred_acceptance`` computes for that seed; the tests check both against a brute-force search.
    The texts are untranslated; translate ``find_problems``' templates to show them.
    """
    return [str(problem) for problem in find_problems(students, capacities, seed_hex, assignment)]


def recheck(record: Mapping[str, Any]) -> list[Problem]:
    """Recheck a published round from what ``GET /api/v1/schools/rounds/{id}/assignment/`` returns
    (``seed_hex``, ``commitment``, ``schools``: each ``id`` and ``capacity``, ``students``: each
    ``number``, ``priority``, ``preferences``, and ``assignment``: ``{number: school id or null}``):
    the seed against its commitment, ``find_problems``, and the assignment against a rerun of
    ``deferred_acceptance`` with the revealed seed. ``[]`` means the round is what the rules give.

    From a shell, without Django: ``python -m apps.schools.matching assignment.json`` (or ``-`` for
    standard input) prints the problems and exits 1 if there is any.
    """
    seed_hex = record.get("seed_hex")
    if not seed_hex:
        return [Problem("seed_unrevealed", gettext_noop("种子尚未公布，无法复核"))]
    problems: list[Problem] = []
    if commitment(seed_hex) != record.get("commitment"):
        problems.append(
            Problem(
                "commitment_mismatch",
                gettext_noop("公布的种子与开轮时的承诺值 %(commitment)s 不符"),
                {"commitment": record.get("commitment")},
            )
        )
    capacities = {int(school["id"]): int(school["capacity"]) for school in record["schools"]}
    students = [
        Student(str(row["number"]), int(row["priority"]), tuple(int(school) for school in row["preferences"]))
        for row in record["students"]
    ]
    assignment = {
        str(number): None if school is None else int(school) for number, school in record["assignment"].items()
    }
    found = find_problems(students, capacities, seed_hex, assignment)
    problems.extend(found)
    if not found:
        rerun = deferred_acceptance(students, capacities, seed_hex)
        problems.extend(
            Problem(
                "differs_from_rerun",
                gettext_noop("学生 %(number)s 的分配结果与按公布种子重新计算的结果 %(school)s 不符"),
                {"number": number, "school": school},
                number=number,
                school=school,
            )
            for number, school in rerun.items()
            if assignment.get(number) != school
        )
    return problems


# --- Explanations and figures ----------------------------------------------------------------------

RejectionReason = Literal["no_seats", "higher_priority", "lottery", "open"]
ExplanationCode = Literal["first_choice", "no_preferences", "all_filled", "better_filled"]


@dataclass(frozen=True)
class Rejection:
    """Why a student is not at a school they ranked above their assignment: ``no_seats`` (the school
    has none in the round), ``higher_priority`` (all its seats went to students of higher priority
    than theirs), ``lottery`` (its last seat went to a student of the same priority with an earlier
    lottery key) or ``open`` (it has a free seat or holds a lower-ranked student: the assignment is
    not stable). ``cutoff_priority`` and ``cutoff_key`` describe its lowest-ranked holder."""

    school: int
    reason: RejectionReason
    template: str
    params: dict[str, object] = field(default_factory=dict, hash=False)
    cutoff_priority: int | None = None
    cutoff_key: str | None = None

    def __str__(self) -> str:
        return self.template % self.params


@dataclass(frozen=True)
class Explanation:
    """A student's outcome: the school assigned (or ``None``), its position on their list
    (1 = first choice), the ``code`` and, for each school they ranked higher, the ``Rejection``."""

    number: str
    assigned: int | None
    choice: int | None
    code: ExplanationCode
    template: str
    rejections: tuple[Rejection, ...] = ()
    params: dict[str, object] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        return self.template % self.params


_EXPLANATIONS: dict[ExplanationCode, str] = {
    "first_choice": gettext_noop("已录取第一志愿"),
    "no_preferences": gettext_noop("未填报任何学校，未获分配"),
    "all_filled": gettext_noop("未获分配：所填报学校的学位均已由排序更高的学生占满"),
    "better_filled": gettext_noop("已录取第 %(choice)s 志愿：更靠前志愿学校的学位均已由排序更高的学生占满"),
}
_REJECTIONS: dict[RejectionReason, str] = {
    "no_seats": gettext_noop("学校 %(school)s 本轮没有学位"),
    "higher_priority": gettext_noop(
        "学校 %(school)s 的学位已全部分配给优先级更高的学生（最低录取优先级 %(cutoff)s，本人 %(priority)s）"
    ),
    "lottery": gettext_noop("学校 %(school)s 的最后学位按摇号顺序分配给了同一优先级（%(priority)s）中摇号在前的学生"),
    "open": gettext_noop("学校 %(school)s 尚有空余学位或录取了排序更低的学生：分配结果不稳定"),
}


def explain(
    students: Sequence[Student],
    capacities: Mapping[int, int],
    seed_hex: str,
    assignment: Mapping[str, int | None],
) -> dict[str, Explanation]:
    """For every student in ``students`` (valid input, ``assignment`` from ``deferred_acceptance``):
    where they are and why not at each school they ranked higher. O(n log n + n·prefs)."""
    _validate(students, capacities)
    rank = _ranks(students, seed_hex)
    count: dict[int, int] = dict.fromkeys(capacities, 0)
    worst: dict[int, int] = {}
    for index, student in enumerate(students):
        school = assignment.get(student.number)
        if school is None or school not in count:
            continue
        count[school] += 1
        holder = worst.get(school)
        if holder is None or rank[index] > rank[holder]:
            worst[school] = index
    keys: dict[int, str] = {}

    def key_of(index: int) -> str:
        if index not in keys:
            keys[index] = lottery_key(seed_hex, students[index].number)
        return keys[index]

    result: dict[str, Explanation] = {}
    for index, student in enumerate(students):
        current = assignment.get(student.number)
        rejections: list[Rejection] = []
        for school in student.preferences:
            if school == current:
                break
            rejections.append(_rejection(student, index, school, capacities, count, worst, rank, students, key_of))
        params: dict[str, object] = {}
        choice: int | None = None
        code: ExplanationCode
        if current is not None and current in student.preferences:
            choice = student.preferences.index(current) + 1
            code = "first_choice" if choice == 1 else "better_filled"
            params = {"choice": choice}
        else:
            code = "all_filled" if student.preferences else "no_preferences"
        result[student.number] = Explanation(
            student.number, current, choice, code, _EXPLANATIONS[code], tuple(rejections), params
        )
    return result


def _rejection(
    student: Student,
    index: int,
    school: int,
    capacities: Mapping[int, int],
    count: Mapping[int, int],
    worst: Mapping[int, int],
    rank: Sequence[int],
    students: Sequence[Student],
    key_of: Callable[[int], str],
) -> Rejection:
    params: dict[str, object] = {"school": school, "priority": student.priority}
    capacity = capacities[school]
    holder = worst.get(school)
    if capacity == 0:
        return Rejection(school, "no_seats", _REJECTIONS["no_seats"], params)
    if count[school] < capacity or holder is None or rank[holder] > rank[index]:
        return Rejection(school, "open", _REJECTIONS["open"], params)
    cutoff = students[holder].priority
    cutoff_key = key_of(holder)
    params["cutoff"] = cutoff
    reason: RejectionReason = "higher_priority" if cutoff > student.priority else "lottery"
    return Rejection(school, reason, _REJECTIONS[reason], params, cutoff, cutoff_key)


def unassigned_reasons(
    students: Sequence[Student],
    capacities: Mapping[int, int],
    seed_hex: str,
    assignment: Mapping[str, int | None],
) -> dict[str, Explanation]:
    """``explain`` for the unassigned students only: ``no_preferences``, or ``all_filled`` with each
    ranked school's ``Rejection`` (every one filled by students ranked above them)."""
    return {
        number: explanation
        for number, explanation in explain(students, capacities, seed_hex, assignment).items()
        if explanation.assigned is None
    }


@dataclass(frozen=True)
class Figures:
    """A round's figures: students, assigned to their first choice, to one of their first three,
    unassigned (counts and shares of all students, 0.0 when there are none), seats left per school."""

    students: int
    first_choice: int
    top3: int
    unassigned: int
    seats_left: dict[int, int]

    @property
    def first_choice_share(self) -> float:
        return self.first_choice / self.students if self.students else 0.0

    @property
    def top3_share(self) -> float:
        return self.top3 / self.students if self.students else 0.0

    @property
    def unassigned_share(self) -> float:
        return self.unassigned / self.students if self.students else 0.0


def figures(
    students: Sequence[Student], capacities: Mapping[int, int], assignment: Mapping[str, int | None]
) -> Figures:
    """The figures of an assignment (issue 13): first choice, top 3, unassigned, seats left per school."""
    seats_left = dict(capacities)
    first = top3 = unassigned = 0
    for student in students:
        school = assignment.get(student.number)
        if school is None:
            unassigned += 1
            continue
        if school in seats_left:
            seats_left[school] -= 1
        if student.preferences[:1] == (school,):
            first += 1
        if school in student.preferences[:3]:
            top3 += 1
    return Figures(len(students), first, top3, unassigned, seats_left)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m apps.schools.matching FILE`` (``-``: standard input): ``recheck`` a published round."""
    import json
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m apps.schools.matching ASSIGNMENT.json  (- for standard input)", file=sys.stderr)
        return 2
    if args[0] == "-":
        record = json.load(sys.stdin)
    else:
        with open(args[0], encoding="utf-8") as handle:
            record = json.load(handle)
    problems = recheck(record)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"OK: {len(record['students'])} students, {len(record['schools'])} schools, stable and reproducible")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
