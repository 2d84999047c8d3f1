#!/usr/bin/env python3
"""Check a talent-apartment draw yourself: commitment, manifest, ranking and allocation.

Usage::

    python3 verify_apartment_draw.py https://<portal>/api/v1/apartments/batches/<id>/draw/
    python3 verify_apartment_draw.py draw.json          # a saved copy of that page
    curl -s <url> | python3 verify_apartment_draw.py -  # from standard input

Needs only Python 3.9+ and its standard library; it does not use the portal's code, so it checks the
portal instead of trusting it. It reads the public draw JSON and checks, in this order:

1. ``commitment == sha256(seed_hex)`` (the seed revealed at the draw is the one committed to when
   the batch was created);
2. the manifest has the published form (``{"number", "score"}`` entries, integer scores, sorted by
   number, no duplicates) and ``manifest_sha256`` is the SHA-256 of its exact bytes
   (``json.dumps(manifest, separators=(",", ":"), ensure_ascii=False)`` in UTF-8);
3. the ranking: score descending, then ``sha256(seed_hex + ":" + number)`` ascending;
4. the allocation, recomputed from ``units`` (``[{"id", "layout"}]``) and ``preferences``
   (``{number: [layouts, best first]}``): in ranking order each applicant gets the lowest-id free
   unit of their most-wanted layout that still has one (serial dictatorship), or nothing;
5. each earlier draw in ``previous_draws`` (replaced by a redraw, with its ``reason``) the same way;
   what an earlier draw leaves out (``manifest``, ``units``, ``preferences``) is taken from the
   current draw, and its own ``manifest_sha256``, when given, must match that manifest.

Prints what it checked and exits 0 when everything matches, 1 otherwise, naming the first difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import urllib.error
import urllib.request
from typing import Any

HEX64 = re.compile(r"^[0-9a-f]{64}$")


class Mismatch(Exception):
    """The draw does not match the published rule; the message names the first difference."""


# --- the rule, written again from its text (independent of the portal's own code) ---------------


def commitment(seed_hex: str) -> str:
    return hashlib.sha256(seed_hex.encode("utf-8")).hexdigest()


def application_key(seed_hex: str, number: str) -> str:
    return hashlib.sha256((seed_hex + ":" + number).encode("utf-8")).hexdigest()


def manifest_bytes(manifest: list) -> bytes:
    return json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def rank(manifest: list, seed_hex: str) -> list:
    """Numbers by score descending, then key ascending."""
    return [
        entry["number"]
        for entry in sorted(manifest, key=lambda e: (-e["score"], application_key(seed_hex, e["number"])))
    ]


def allocate(ranking: list, preferences: dict, units: list) -> dict:
    """``{number: unit id or None}``; ``units`` is ``[{"id": int, "layout": str}, ...]``."""
    free_units = sorted(units, key=lambda u: u["id"])
    allocation: dict = {}
    for number in ranking:
        allocation[number] = None
        for layout in preferences.get(number, []):
            unit = next((u for u in free_units if u["layout"] == layout), None)
            if unit is not None:
                free_units.remove(unit)
                allocation[number] = unit["id"]
                break
    return allocation


def allocate_fast(ranking: list, preferences: dict, units: list) -> dict:
    """Same result as :func:`allocate`, linear time, for batches with many thousands of units."""
    free: dict = {}
    for unit in sorted(units, key=lambda u: u["id"]):
        free.setdefault(unit["layout"], []).append(unit["id"])
    for ids in free.values():
        ids.reverse()  # pop() then gives the lowest id
    allocation: dict = {}
    for number in ranking:
        allocation[number] = None
        for layout in preferences.get(number, []):
            if free.get(layout):
                allocation[number] = free[layout].pop()
                break
    return allocation


# --- checking one draw ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _first_difference(expected: list, published: Any, what: str) -> str:
    if not isinstance(published, list):
        return f"{what}: published value is not a list"
    for index in range(min(len(expected), len(published))):
        if expected[index] != published[index]:
            return f"{what}: position {index + 1} should be {expected[index]!r}, published {published[index]!r}"
    return f"{what}: {len(expected)} entries expected, {len(published)} published"


def check_manifest(manifest: Any, published_sha: Any) -> str:
    if not isinstance(manifest, list):
        raise Mismatch("manifest: missing or not a list")
    previous = None
    for index, entry in enumerate(manifest):
        where = f"manifest entry {index + 1}"
        if not isinstance(entry, dict) or list(entry) != ["number", "score"]:
            raise Mismatch(f"{where}: must be exactly {{'number', 'score'}} in that order, got {entry!r}")
        if not isinstance(entry["number"], str) or not entry["number"]:
            raise Mismatch(f"{where}: number must be a non-empty string, got {entry['number']!r}")
        if not _is_int(entry["score"]):
            raise Mismatch(f"{where}: score of {entry['number']} must be an integer, got {entry['score']!r}")
        if previous is not None and not previous < entry["number"]:
            raise Mismatch(f"{where}: {entry['number']!r} is not after {previous!r} (manifest not sorted by number)")
        previous = entry["number"]
    digest = hashlib.sha256(manifest_bytes(manifest)).hexdigest()
    if digest != published_sha:
        raise Mismatch(f"manifest_sha256: the manifest's bytes hash to {digest}, published {published_sha!r}")
    return digest


def check_draw(draw: Any, lines: list[str], *, fallback: dict | None = None, fast: bool = True) -> None:
    """Check one draw object, appending what matched to ``lines``; raise :class:`Mismatch` at a difference."""
    if not isinstance(draw, dict):
        raise Mismatch("the draw is not a JSON object")
    fallback = fallback or {}
    seed_hex = draw.get("seed_hex")
    published_commitment = draw.get("commitment")
    if not isinstance(published_commitment, str) or not HEX64.match(published_commitment):
        raise Mismatch(f"commitment: not 64 lower-case hex characters: {published_commitment!r}")
    if seed_hex is None:
        raise Mismatch("seed_hex: not revealed yet (the batch is not drawn), nothing to verify")
    if not isinstance(seed_hex, str) or not HEX64.match(seed_hex):
        raise Mismatch(f"seed_hex: not 64 lower-case hex characters: {seed_hex!r}")
    if commitment(seed_hex) != published_commitment:
        raise Mismatch(f"commitment: sha256(seed_hex) is {commitment(seed_hex)}, published {published_commitment}")
    lines.append(f"  OK  commitment {published_commitment} = sha256(seed_hex)")

    # An earlier draw may leave out what it shares with the current one (the frozen manifest, the units,
    # the preferences); its own manifest_sha256, when given, must still match that manifest.
    manifest: list = draw.get("manifest", fallback.get("manifest"))  # type: ignore[assignment]  # checked next
    digest = check_manifest(manifest, draw.get("manifest_sha256", fallback.get("manifest_sha256")))
    lines.append(f"  OK  manifest: {len(manifest)} applications, sorted, manifest_sha256 {digest}")

    expected_ranking = rank(manifest, seed_hex)
    if draw.get("ranking") != expected_ranking:
        raise Mismatch(_first_difference(expected_ranking, draw.get("ranking"), "ranking"))
    lines.append(f"  OK  ranking of {len(expected_ranking)} recomputed (score desc, sha256(seed:number) asc)")

    units = draw.get("units", fallback.get("units"))
    preferences = draw.get("preferences", fallback.get("preferences"))
    if not isinstance(units, list) or not all(
        isinstance(u, dict) and _is_int(u.get("id")) and isinstance(u.get("layout"), str) for u in units
    ):
        raise Mismatch("units: missing or not a list of {'id': integer, 'layout': string}")
    if len({u["id"] for u in units}) != len(units):
        raise Mismatch("units: a unit id appears twice")
    if not isinstance(preferences, dict) or not all(
        isinstance(p, list) and all(isinstance(layout, str) for layout in p) for p in preferences.values()
    ):
        raise Mismatch("preferences: missing or not {number: [layout, ...]}")
    unknown = sorted(set(preferences) - set(expected_ranking))
    if unknown:
        raise Mismatch(f"preferences: {unknown[0]!r} is not in the manifest")
    expected_allocation = (allocate_fast if fast else allocate)(expected_ranking, preferences, units)
    published_allocation = draw.get("allocation")
    if not isinstance(published_allocation, dict):
        raise Mismatch("allocation: missing or not an object")
    for number in expected_ranking:
        if number not in published_allocation:
            raise Mismatch(f"allocation: {number} is missing (should be {expected_allocation[number]!r})")
        if published_allocation[number] != expected_allocation[number]:
            raise Mismatch(
                f"allocation: {number} should get {expected_allocation[number]!r}, "
                f"published {published_allocation[number]!r}"
            )
    extra = sorted(set(published_allocation) - set(expected_allocation))
    if extra:
        raise Mismatch(f"allocation: {extra[0]!r} is not in the ranking")
    housed = sum(1 for unit in expected_allocation.values() if unit is not None)
    lines.append(
        f"  OK  allocation recomputed: {housed} of {len(units)} units to {len(expected_ranking)} applicants "
        "(serial dictatorship, lowest unit id first)"
    )


def verify(document: Any, lines: list[str] | None = None, *, fast: bool = True) -> list[str]:
    """Check the current draw and every entry of ``previous_draws``.

    Returns the report lines; raises :class:`Mismatch` at the first difference (``lines``, when
    given, then holds what matched before it).
    """
    lines = [] if lines is None else lines
    lines.append("current draw:")
    try:
        check_draw(document, lines, fast=fast)
    except Mismatch as exc:
        raise Mismatch(f"current draw: {exc}") from None
    previous = document.get("previous_draws", document.get("redraws")) or []
    if not isinstance(previous, list):
        raise Mismatch("previous_draws: not a list")
    for index, earlier in enumerate(previous, start=1):
        reason = earlier.get("reason") if isinstance(earlier, dict) else None
        lines.append(f"previous draw {index} (replaced by a redraw; reason: {reason!r}):")
        try:
            check_draw(earlier, lines, fallback=document, fast=fast)
        except Mismatch as exc:
            raise Mismatch(f"previous draw {index}: {exc}") from None
    return lines


def load(source: str, timeout: float = 30) -> Any:
    """The draw JSON from a URL, a file path, or ``-`` (standard input)."""
    if source == "-":
        return json.load(sys.stdin)
    if source.startswith(("http://", "https://")):
        # http(s) only (checked above), so S310's worry about file: URLs does not apply.
        request = urllib.request.Request(source, headers={"Accept": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    with open(source, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="the draw URL (…/api/v1/apartments/batches/<id>/draw/), a JSON file, or -")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for the URL")
    args = parser.parse_args(argv)
    try:
        document = load(args.source, timeout=args.timeout)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        print(f"FAILED: could not read {args.source}: {exc}")
        return 1
    lines: list[str] = []
    try:
        verify(document, lines)
    except Mismatch as exc:
        print("\n".join(lines))
        print(f"FAILED: {exc}")
        return 1
    print("\n".join(lines))
    print("everything matches the published rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
