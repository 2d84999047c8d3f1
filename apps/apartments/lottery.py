"""The talent-apartment lottery: the published rule, in code.

This module is the rule itself; ``scripts/verify_apartment_draw.py`` re-implements it with the
standard library only so that anyone can check a draw without trusting this code.

1. **Commitment.** When a batch is created, a secret seed of 32 random bytes is drawn with
   :mod:`secrets` and written as 64 lower-case hex characters, ``seed_hex``. Only its commitment is
   published: ``commitment = sha256(seed_hex)``, the lower-case hex SHA-256 of the 64 ASCII
   characters. Nobody (staff included) can choose or change the seed after seeing the applicants,
   because the published commitment would no longer match.

2. **Manifest.** When the batch is frozen, the pool is its approved applications. Each gets an
   integer ``score`` from the points rule published with the batch. The manifest is the list of
   ``{"number": <application number>, "score": <integer>}`` objects, keys in that order, sorted
   by ``number`` ascending (Unicode code point order, which is also the order of the UTF-8 bytes).
   Its fingerprint is::

       manifest_sha256 = sha256(json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))

   i.e. compact JSON, no spaces, non-ASCII characters written as themselves in UTF-8 (not
   ``\\uXXXX``). Both are published at freeze, before the seed is revealed, so nobody can add,
   remove or re-score an application after seeing the seed. (Implementers: a manifest stored in a
   PostgreSQL ``jsonb`` column comes back with its keys reordered; publish and hash
   :func:`canonical_manifest` of it.)

3. **Ranking.** At the draw the seed is revealed. Each application's key is
   ``sha256(seed_hex + ":" + number)`` (lower-case hex of the UTF-8 bytes). Applications are ranked
   by ``score`` descending; equal scores by key ascending (as hex strings). The key is a fair coin
   that nobody could predict before the seed was revealed and nobody could change afterwards.

4. **Allocation (serial dictatorship).** In ranking order, each applicant gets their most-wanted
   layout (the ``layouts`` of the application, best first) that still has a free unit in the batch;
   within a layout, units are given in ascending unit id. An applicant whose wanted layouts are all
   taken gets no unit. Layouts the batch does not offer are ignored, and a layout named twice
   counts once (at its first position).

5. **Waitlists.** Every applicant left without a unit waits, in ranking order, on *every* layout
   they wanted that the batch offers. An applicant who got a unit waits on nothing, even if it was
   a less-wanted layout: the allocation is final for them (kept simple on purpose; they can decline
   and apply to a later batch). When an offered unit is declined, expires or is freed, it is offered
   to the first applicant on its layout's waitlist who has not already been offered a unit of
   this batch, declined one or otherwise dropped out (see :func:`next_on_waitlist`).

A batch is drawn once. A redraw (district admin, with a published reason) draws a new seed with a
new commitment; the earlier draw stays public.

Pure Python, no Django: the verifier and the benchmark use it as is.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any, TypedDict


class ManifestEntry(TypedDict):
    number: str
    score: int


Manifest = list[ManifestEntry]

SEED_BYTES = 32


def new_seed() -> str:
    """A fresh secret seed: 32 bytes from :mod:`secrets`, as 64 lower-case hex characters."""
    return secrets.token_hex(SEED_BYTES)


def commitment(seed_hex: str) -> str:
    """``sha256(seed_hex)``: published at batch creation, before anyone applies."""
    return hashlib.sha256(seed_hex.encode("utf-8")).hexdigest()


def application_key(seed_hex: str, number: str) -> str:
    """``sha256(seed_hex + ":" + number)``, lower-case hex of the UTF-8 bytes: the tie-break."""
    return hashlib.sha256((seed_hex + ":" + number).encode("utf-8")).hexdigest()


def canonical_manifest(manifest: Iterable[Mapping[str, Any]]) -> Manifest:
    """The manifest entries rebuilt as ``{"number", "score"}`` in that key order, in the given order.

    Use it on a manifest read back from the database before publishing or hashing it: PostgreSQL's
    ``jsonb`` (Django's ``JSONField``) does not keep key order and returns ``{"score", "number"}``,
    which would serialise to other bytes than the ones ``manifest_sha256`` was computed on.
    """
    return [{"number": entry["number"], "score": entry["score"]} for entry in manifest]


def manifest_bytes(manifest: Iterable[Mapping[str, Any]]) -> bytes:
    """The exact bytes that ``manifest_sha256`` hashes (compact JSON, UTF-8, not ASCII-escaped).

    Each entry is written with the keys ``number``, ``score`` in that order whatever order the
    mapping holds them in (see :func:`canonical_manifest`); the entries stay in the given order.
    """
    return json.dumps(canonical_manifest(manifest), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def manifest_sha256(manifest: Iterable[Mapping[str, Any]]) -> str:
    """Lower-case hex SHA-256 of :func:`manifest_bytes`."""
    return hashlib.sha256(manifest_bytes(manifest)).hexdigest()


def _check_score(number: str, score: object) -> int:
    # bool is an int in Python but would be written as true/false in JSON: refuse it.
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"score of {number!r} must be an integer, not {score!r}")
    return score


def build_manifest(scores: Mapping[str, int]) -> Manifest:
    """The manifest for ``{application number: integer score}``: entries sorted by number."""
    manifest: Manifest = []
    for number in sorted(scores):
        if not isinstance(number, str) or not number:
            raise ValueError(f"application number must be a non-empty string, not {number!r}")
        manifest.append({"number": number, "score": _check_score(number, scores[number])})
    return manifest


def validate_manifest(manifest: Sequence[Mapping[str, Any]]) -> None:
    """Raise ``ValueError`` unless the manifest has exactly the published form.

    Each entry has exactly the keys ``number`` (non-empty string) and ``score`` (integer), in that
    order, and the numbers are strictly ascending (so also unique).
    """
    previous: str | None = None
    for index, entry in enumerate(manifest):
        if list(entry.keys()) != ["number", "score"]:
            raise ValueError(f"manifest[{index}] must have exactly the keys number, score in that order")
        number = entry["number"]
        if not isinstance(number, str) or not number:
            raise ValueError(f"manifest[{index}].number must be a non-empty string")
        _check_score(number, entry["score"])
        if previous is not None and not previous < number:
            raise ValueError(f"manifest[{index}].number {number!r} is not after {previous!r}")
        previous = number


def rank(manifest: Iterable[Mapping[str, Any]], seed_hex: str) -> list[str]:
    """Application numbers by score descending, then :func:`application_key` ascending."""
    # One hasher primed with the seed and copied per application gives the same digest as
    # application_key(); raw digests order exactly as their lower-case hex does. Two stable sorts
    # (key, then score descending) are the published order and cheaper than sorting tuples.
    primed = hashlib.sha256((seed_hex + ":").encode("utf-8"))
    digest_of: dict[str, bytes] = {}
    score_of: dict[str, int] = {}
    for entry in manifest:
        number: str = entry["number"]
        if number in digest_of:
            raise ValueError(f"application {number!r} appears twice in the manifest")
        score = entry["score"]
        if type(score) is not int:  # not bool either (written as true/false in JSON)
            _check_score(number, score)
        hasher = primed.copy()
        hasher.update(number.encode("utf-8"))
        digest_of[number] = hasher.digest()
        score_of[number] = score
    ranking = sorted(digest_of, key=digest_of.__getitem__)
    ranking.sort(key=score_of.__getitem__, reverse=True)  # stable: equal scores keep key order
    return ranking


def allocate(
    ranking: Sequence[str],
    wants: Mapping[str, Sequence[str]],
    units: Mapping[int, str],
) -> tuple[dict[str, int | None], dict[str, list[str]]]:
    """Serial dictatorship over the batch's units, and the waitlists.

    ``ranking``: application numbers, best first (from :func:`rank`).
    ``wants``: ``{number: [layout, ...]}``, most wanted first; a number missing here wants nothing.
    ``units``: ``{unit id: layout}``, the units released in the batch.

    Returns ``(allocation, waitlists)``:

    - ``allocation``: ``{number: unit id or None}`` for every ranked number. In ranking order each
      applicant gets the first of their wanted layouts that still has a free unit, the unit with the
      lowest id of that layout; ``None`` when every layout they want is taken (or they want none
      the batch offers).
    - ``waitlists``: ``{layout: [number, ...]}`` with a key for every layout in ``units``. An
      applicant left without a unit is on the waitlist of *every* distinct layout they wanted that
      the batch offers, in ranking order. An applicant who got a unit is on no waitlist, even if
      they got a less-wanted layout.
    """
    free: dict[str, list[int]] = {}
    for unit_id in sorted(units):
        free.setdefault(units[unit_id], []).append(unit_id)
    for ids in free.values():
        ids.reverse()  # so that pop() gives the lowest free id
    waitlists: dict[str, list[str]] = {layout: [] for layout in free}
    allocation: dict[str, int | None] = {}
    offered_for: dict[tuple[str, ...], list[str]] = {}  # wanted layouts -> those the batch offers, once each
    for number in ranking:
        if number in allocation:
            raise ValueError(f"application {number!r} appears twice in the ranking")
        wanted = tuple(wants.get(number, ()))
        offered = offered_for.get(wanted)
        if offered is None:
            offered = offered_for[wanted] = [layout for layout in dict.fromkeys(wanted) if layout in free]
        for layout in offered:
            ids = free[layout]
            if ids:
                allocation[number] = ids.pop()
                break
        else:
            allocation[number] = None
            for layout in offered:
                waitlists[layout].append(number)
    return allocation, waitlists


def next_on_waitlist(waitlist: Sequence[str], excluded: Container[str]) -> str | None:
    """The first number on ``waitlist`` that is not in ``excluded``, or ``None``.

    ``excluded`` holds who may no longer be offered a unit of the batch: applicants who already have
    (or had) an offer from it, declined or let one expire, withdrew, or became a tenant.
    """
    for number in waitlist:
        if number not in excluded:
            return number
    return None
