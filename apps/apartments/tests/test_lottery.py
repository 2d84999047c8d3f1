"""The apartment lottery (``apps.apartments.lottery``) and the stand-alone verifier script.

Known answers come from ``hashlib`` in the test or from coreutils' ``sha256sum`` (the literals), never
from the module under test. Allocation is checked by its defining properties and against a
straightforward reference written here. The verifier (``scripts/verify_apartment_draw.py``) is loaded
as a module and run as a program on temporary files, standard input and a local HTTP server.
"""

from __future__ import annotations

import copy
import hashlib
import http.server
import importlib.util
import json
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.apartments import lottery

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify_apartment_draw.py"
ZERO_SEED = "0" * 64
LAYOUTS = ["1b", "2b", "3b", "4b"]


def _load_verifier() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_apartment_draw", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verifier = _load_verifier()


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- commitment, keys, manifest: known answers ---------------------------------------------------


def test_commitment_known_answer():
    # printf '%s' 000…0 (64 zeros) | sha256sum
    assert lottery.commitment(ZERO_SEED) == "60e05bd1b195af2f94112fa7197a5c88289058840ce7c6df9693756bc6250f55"
    seed = "ab" * 32
    assert lottery.commitment(seed) == hashlib.sha256(seed.encode("ascii")).hexdigest()


def test_application_key_known_answer_non_ascii_number():
    # printf '%s' '000…0:HZ-2026-海珠-001' | sha256sum  (the number's UTF-8 bytes)
    assert (
        lottery.application_key(ZERO_SEED, "HZ-2026-海珠-001")
        == "5adb1cece944c64ccb3d8270176b84886a329d284dcd465b62ef2e5d5370975f"
    )
    seed = "1f" * 32
    assert lottery.application_key(seed, "APT-7") == sha256_hex(seed + ":APT-7")


def test_new_seed_is_32_random_bytes_as_lower_hex():
    seeds = {lottery.new_seed() for _ in range(20)}
    assert len(seeds) == 20
    for seed in seeds:
        assert len(seed) == 64
        assert seed == seed.lower()
        assert bytes.fromhex(seed).hex() == seed


def test_manifest_bytes_are_compact_utf8_not_escaped():
    manifest = lottery.build_manifest({"海珠-002": 0, "A-1": 7})
    expected = '[{"number":"A-1","score":7},{"number":"海珠-002","score":0}]'.encode()
    assert lottery.manifest_bytes(manifest) == expected
    assert b"\\u" not in lottery.manifest_bytes(manifest)
    # printf '%s' '[{"number":"A-1","score":7},{"number":"海珠-002","score":0}]' | sha256sum
    assert lottery.manifest_sha256(manifest) == "9ade9ac81d2cbdf2c79d7fc10c4f7ee7eea04d5e4689f94c019ec1ac65883a8b"
    assert lottery.manifest_sha256(manifest) == hashlib.sha256(expected).hexdigest()


def test_manifest_read_back_from_jsonb_hashes_the_same():
    manifest = lottery.build_manifest({"海珠-002": 0, "A-1": 7})
    # what PostgreSQL jsonb gives back: keys sorted by length, so "score" before "number"
    reordered = [{"score": entry["score"], "number": entry["number"]} for entry in manifest]
    assert lottery.canonical_manifest(reordered) == manifest
    assert [list(entry) for entry in lottery.canonical_manifest(reordered)] == [["number", "score"]] * 2
    assert lottery.manifest_bytes(reordered) == lottery.manifest_bytes(manifest)
    assert lottery.manifest_sha256(reordered) == "9ade9ac81d2cbdf2c79d7fc10c4f7ee7eea04d5e4689f94c019ec1ac65883a8b"
    # ... but published as is, the verifier refuses it
    with pytest.raises(verifier.Mismatch, match="in that order"):
        verifier.check_manifest(reordered, lottery.manifest_sha256(manifest))


def test_build_manifest_sorts_by_code_point_with_keys_in_order():
    manifest = lottery.build_manifest({"b": 1, "B": 2, "海": 3, "a": 4, "A10": 5, "A9": 6})
    assert [entry["number"] for entry in manifest] == ["A10", "A9", "B", "a", "b", "海"]
    assert all(list(entry) == ["number", "score"] for entry in manifest)
    # code point order is UTF-8 byte order
    numbers = [entry["number"] for entry in manifest]
    assert numbers == sorted(numbers, key=lambda n: n.encode("utf-8"))
    lottery.validate_manifest(manifest)


@pytest.mark.parametrize("score", [True, 1.0, "3", None])
def test_build_manifest_refuses_non_integer_scores(score):
    with pytest.raises(ValueError, match="integer"):
        lottery.build_manifest({"A-1": score})


@pytest.mark.parametrize(
    "manifest, message",
    [
        ([{"score": 1, "number": "A"}], "keys"),
        ([{"number": "A", "score": 1, "extra": 0}], "keys"),
        ([{"number": "B", "score": 1}, {"number": "A", "score": 1}], "not after"),
        ([{"number": "A", "score": 1}, {"number": "A", "score": 2}], "not after"),
        ([{"number": "", "score": 1}], "non-empty"),
        ([{"number": "A", "score": 1.5}], "integer"),
    ],
)
def test_validate_manifest_refuses_other_forms(manifest, message):
    with pytest.raises(ValueError, match=message):
        lottery.validate_manifest(manifest)


# --- ranking -------------------------------------------------------------------------------------


def test_rank_ties_are_broken_by_key_ascending():
    seed = "5e" * 32
    numbers = [f"APT-{i:03d}" for i in range(40)]
    manifest = lottery.build_manifest(dict.fromkeys(numbers, 10))
    expected = sorted(numbers, key=lambda n: hashlib.sha256(f"{seed}:{n}".encode()).hexdigest())
    assert lottery.rank(manifest, seed) == expected
    assert expected != sorted(numbers)  # the key, not the number, decides


def test_rank_score_first_then_key():
    seed = ZERO_SEED
    scores = {"A": 3, "B": 30, "C": 3, "D": 0, "E": 30, "海珠-1": 3}
    ranking = lottery.rank(lottery.build_manifest(scores), seed)
    expected = sorted(scores, key=lambda n: (-scores[n], sha256_hex(seed + ":" + n)))
    assert ranking == expected
    assert ranking[:2] == sorted(["B", "E"], key=lambda n: sha256_hex(seed + ":" + n))
    assert ranking[-1] == "D"


def test_rank_depends_on_the_seed():
    manifest = lottery.build_manifest({f"N{i}": 1 for i in range(30)})
    assert lottery.rank(manifest, "00" * 32) != lottery.rank(manifest, "01" * 32)


def test_rank_refuses_a_duplicate_number():
    with pytest.raises(ValueError, match="twice"):
        lottery.rank([{"number": "A", "score": 1}, {"number": "A", "score": 2}], ZERO_SEED)


# --- allocation ----------------------------------------------------------------------------------


def reference_allocate(ranking, wants, units):
    """Serial dictatorship as the rule reads, with no cleverness: scan every unit for every choice."""
    given_out: dict[str, int | None] = {}
    taken: set[int] = set()
    for number in ranking:
        given_out[number] = None
        for layout in wants.get(number, []):
            free = [unit_id for unit_id, unit_layout in units.items() if unit_layout == layout and unit_id not in taken]
            if free:
                given_out[number] = min(free)
                taken.add(min(free))
                break
    return given_out


@st.composite
def draws(draw, max_applicants=40, max_units=30):
    numbers = draw(
        st.lists(st.text(alphabet="AB海珠0123-", min_size=1, max_size=6), unique=True, max_size=max_applicants)
    )
    unit_ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=max_units))
    units = {unit_id: draw(st.sampled_from(LAYOUTS[:3])) for unit_id in unit_ids}
    # wants may name a layout the batch does not offer (4b) or the same layout twice
    wants = {n: draw(st.lists(st.sampled_from(LAYOUTS), max_size=4)) for n in numbers}
    scores = {n: draw(st.integers(0, 3)) for n in numbers}
    seed = draw(st.binary(min_size=32, max_size=32)).hex()
    return seed, scores, wants, units


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draws())
def test_allocation_is_serial_dictatorship(case):
    seed, scores, wants, units = case
    ranking = lottery.rank(lottery.build_manifest(scores), seed)
    allocation, waitlists = lottery.allocate(ranking, wants, units)

    assert allocation == reference_allocate(ranking, wants, units)
    assert list(allocation) == ranking
    given_units = [u for u in allocation.values() if u is not None]
    assert len(given_units) == len(set(given_units)), "a unit was given twice"
    assert set(given_units) <= set(units)
    position = {number: i for i, number in enumerate(ranking)}
    for number, unit in allocation.items():
        wanted = list(dict.fromkeys(wants[number]))
        got = units[unit] if unit is not None else None
        if got is not None:
            assert got in wanted, "a unit of a layout the applicant did not want"
        better = wanted if got is None else wanted[: wanted.index(got)]
        for layout in better:
            # every unit of a layout preferred to what this applicant got went to someone ranked higher
            holders = [n for n, u in allocation.items() if u is not None and units[u] == layout]
            assert len(holders) == sum(1 for lay in units.values() if lay == layout)
            assert all(position[n] < position[number] for n in holders)
    for layout in set(units.values()):
        # within a layout, units go lowest id first, in ranking order
        in_order = [allocation[n] for n in ranking if allocation[n] is not None and units[allocation[n]] == layout]
        assert in_order == sorted(u for u, lay in units.items() if lay == layout)[: len(in_order)]

    # waitlists: the unhoused, on every distinct offered layout they wanted, in ranking order
    assert set(waitlists) == set(units.values())
    for layout, waiting in waitlists.items():
        assert waiting == [n for n in ranking if allocation[n] is None and layout in wants[n]]


def test_allocate_worked_example():
    units = {12: "2b", 10: "2b", 30: "1b", 40: "3b"}
    ranking = ["P1", "P2", "P3", "P4", "P5"]
    wants = {"P1": ["2b"], "P2": ["2b", "1b"], "P3": ["2b", "1b", "9b"], "P4": ["1b", "2b", "1b"], "P5": []}
    allocation, waitlists = lottery.allocate(ranking, wants, units)
    assert allocation == {"P1": 10, "P2": 12, "P3": 30, "P4": None, "P5": None}
    # P3 got a less-wanted 1b and does not wait for a 2b; P4 waits on both, once each; P5 on nothing
    assert waitlists == {"2b": ["P4"], "1b": ["P4"], "3b": []}


def test_allocate_refuses_a_duplicate_in_the_ranking():
    with pytest.raises(ValueError, match="twice"):
        lottery.allocate(["A", "A"], {"A": ["1b"]}, {1: "1b", 2: "1b"})


def test_next_on_waitlist_skips_excluded():
    assert lottery.next_on_waitlist(["A", "B", "C"], {"A"}) == "B"
    assert lottery.next_on_waitlist(["A", "B", "C"], set()) == "A"
    assert lottery.next_on_waitlist(["A", "B"], {"A", "B"}) is None
    assert lottery.next_on_waitlist([], set()) is None


# --- the verifier script -------------------------------------------------------------------------


def build_document(seed, scores, wants, units, **extra):
    """A draw JSON as the public endpoint publishes it, computed with lottery.py."""
    manifest = lottery.build_manifest(scores)
    ranking = lottery.rank(manifest, seed)
    allocation, _ = lottery.allocate(ranking, wants, units)
    return {
        "commitment": lottery.commitment(seed),
        "seed_hex": seed,
        "manifest": manifest,
        "manifest_sha256": lottery.manifest_sha256(manifest),
        "ranking": ranking,
        "allocation": allocation,
        "units": [{"id": unit_id, "layout": layout} for unit_id, layout in sorted(units.items())],
        "preferences": {number: list(wants[number]) for number in sorted(wants)},
        **extra,
    }


def json_round_trip(document):
    return json.loads(json.dumps(document, ensure_ascii=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draws())
def test_verifier_agrees_with_lottery(case):
    seed, scores, wants, units = case
    manifest = lottery.build_manifest(scores)
    ranking = lottery.rank(manifest, seed)
    unit_list = [{"id": u, "layout": lay} for u, lay in units.items()]
    assert verifier.commitment(seed) == lottery.commitment(seed)
    assert verifier.manifest_bytes(manifest) == lottery.manifest_bytes(manifest)
    assert verifier.rank(manifest, seed) == ranking
    expected, _ = lottery.allocate(ranking, wants, units)
    assert verifier.allocate(ranking, wants, unit_list) == expected
    assert verifier.allocate_fast(ranking, wants, unit_list) == expected
    document = json_round_trip(build_document(seed, scores, wants, units))
    assert verifier.verify(document)[-1].startswith("  OK  allocation")
    assert verifier.verify(document, fast=False)[-1].startswith("  OK  allocation")


SAMPLE = {
    "seed": "c0ffee" + "0" * 58,
    "scores": {f"HZ-APT-{i:03d}": (i * 7) % 5 for i in range(1, 26)} | {"海珠-APT-026": 4},
    "units": {101: "1b", 102: "1b", 201: "2b", 202: "2b", 203: "2b", 301: "3b"},
}
SAMPLE["wants"] = {n: [["2b", "1b"], ["1b"], ["3b", "2b", "1b"], ["2b"]][i % 4] for i, n in enumerate(SAMPLE["scores"])}


def sample_document(**extra):
    return json_round_trip(build_document(SAMPLE["seed"], SAMPLE["scores"], SAMPLE["wants"], SAMPLE["units"], **extra))


def run_script(*args, stdin=None):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], input=stdin, capture_output=True, text=True, timeout=30, check=False
    )


def tamper_ranking(d):
    d["ranking"][0], d["ranking"][1] = d["ranking"][1], d["ranking"][0]


def tamper_seed(d):
    d["seed_hex"] = "1" + d["seed_hex"][1:]


def tamper_seed_and_commitment(d):
    # a new seed with a matching commitment still cannot reproduce the published ranking
    d["seed_hex"] = "d" * 64
    d["commitment"] = hashlib.sha256(d["seed_hex"].encode()).hexdigest()


def tamper_score(d):
    d["manifest"][3]["score"] += 1


def tamper_score_and_hash(d):
    d["manifest"][3]["score"] += 10
    d["manifest_sha256"] = hashlib.sha256(
        json.dumps(d["manifest"], separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def tamper_manifest_order(d):
    d["manifest"].reverse()


def tamper_allocation(d):
    housed = [n for n, u in d["allocation"].items() if u is not None]
    d["allocation"][housed[0]], d["allocation"][housed[1]] = d["allocation"][housed[1]], d["allocation"][housed[0]]


def tamper_allocation_to_unhoused(d):
    unhoused = next(n for n, u in d["allocation"].items() if u is None)
    d["allocation"][unhoused] = 301


def tamper_preferences(d):
    # the top-ranked applicant always gets their first choice; say they wanted nothing
    d["preferences"][d["ranking"][0]] = []


@pytest.mark.parametrize(
    "tamper, named",
    [
        (tamper_ranking, "ranking: position 1"),
        (tamper_seed, "commitment"),
        (tamper_seed_and_commitment, "ranking"),
        (tamper_score, "manifest_sha256"),
        (tamper_score_and_hash, "ranking"),
        (tamper_manifest_order, "not sorted"),
        (tamper_allocation, "allocation"),
        (tamper_allocation_to_unhoused, "allocation"),
        (tamper_preferences, "allocation"),
    ],
)
def test_verifier_names_the_first_difference(tamper, named):
    document = sample_document()
    verifier.verify(copy.deepcopy(document))
    tamper(document)
    with pytest.raises(verifier.Mismatch, match=named):
        verifier.verify(document)


def test_verifier_refuses_an_undrawn_batch():
    document = sample_document()
    document["seed_hex"] = None
    with pytest.raises(verifier.Mismatch, match="not revealed"):
        verifier.verify(document)


def test_cli_exit_codes_on_files(tmp_path):
    good = tmp_path / "draw.json"
    good.write_text(json.dumps(sample_document(), ensure_ascii=False), encoding="utf-8")
    result = run_script(str(good))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK  commitment" in result.stdout and "everything matches" in result.stdout

    for tamper, named in [
        (tamper_ranking, "ranking"),
        (tamper_seed, "commitment"),
        (tamper_score, "manifest_sha256"),
        (tamper_allocation, "allocation"),
    ]:
        document = sample_document()
        tamper(document)
        bad = tmp_path / f"{tamper.__name__}.json"
        bad.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        result = run_script(str(bad))
        assert result.returncode == 1, (tamper.__name__, result.stdout)
        assert "FAILED" in result.stdout and named in result.stdout.splitlines()[-1]

    missing = run_script(str(tmp_path / "nope.json"))
    assert missing.returncode == 1 and "could not read" in missing.stdout


def test_cli_reads_stdin_and_checks_previous_draws():
    earlier = build_document(
        "ee" * 32, SAMPLE["scores"], SAMPLE["wants"], SAMPLE["units"], reason="封顶楼层漏水，房源调整"
    )
    document = sample_document(previous_draws=[earlier])
    result = run_script("-", stdin=json.dumps(document, ensure_ascii=False))
    assert result.returncode == 0, result.stdout
    assert "previous draw 1" in result.stdout and result.stdout.count("OK  ranking") == 2

    tamper_ranking(document["previous_draws"][0])
    result = run_script("-", stdin=json.dumps(document, ensure_ascii=False))
    assert result.returncode == 1
    assert "previous draw 1: ranking" in result.stdout


def test_previous_draw_may_share_the_current_manifest_units_and_preferences():
    earlier = build_document("ee" * 32, SAMPLE["scores"], SAMPLE["wants"], SAMPLE["units"], reason="重新摇号")
    slim = {
        key: earlier[key] for key in ("commitment", "seed_hex", "manifest_sha256", "ranking", "allocation", "reason")
    }
    document = sample_document(previous_draws=[slim])
    assert any("previous draw 1" in line for line in verifier.verify(document))
    document["previous_draws"][0]["manifest_sha256"] = "0" * 64
    with pytest.raises(verifier.Mismatch, match="previous draw 1: manifest_sha256"):
        verifier.verify(document)


def test_cli_fetches_a_url():
    body = json.dumps(sample_document(), ensure_ascii=False).encode("utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/api/v1/apartments/batches/1/draw/":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        ok = run_script(f"{base}/api/v1/apartments/batches/1/draw/")
        assert ok.returncode == 0, ok.stdout
        gone = run_script(f"{base}/api/v1/apartments/batches/2/draw/")
        assert gone.returncode == 1 and "404" in gone.stdout
    finally:
        server.shutdown()
        server.server_close()
