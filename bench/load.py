"""Load-test three API endpoints under gunicorn with wrk, each beside a bare Django view (``bench/generate.py``'s data).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hz_bench .venv/bin/python bench/load.py

Starts gunicorn (2 sync workers, ``bench.settings_load``: the project's settings with ``DEBUG`` off
plus the bare views of ``bench/urls_load.py``) on a free localhost port and drives each case with
wrk (50 connections, 2 threads, ``--duration`` seconds) as a district admin's API token, then the
case's bare twin returning the same rows by primary key (``.values()`` + ``JsonResponse``). Prints
requests/s, p50/p95 latency and errors (non-2xx, socket errors) for both, the ratio project/bare,
and the issue's targets met or missed. ``--json PATH`` writes the figures under ``"load"``, merged
into the file when it exists. The only row written is the admin's API token (``token_issue``),
revoked at the end. Needs ``wrk`` (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate import bench_database_url, setup_django  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "bench_district_admin_01"
WORKERS = 2
CONNECTIONS = 50
THREADS = 2
# (case, ratio target: project rps / bare rps at least, p95 target in ms)
TARGETS = {"list": (0.6, 100), "detail": (0.6, 50), "talents": (0.6, 100)}
# wrk's --latency prints 50/75/90/99 only: the p95 comes from this script's done() hook.
WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("LOADJSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p50_us\\": %d, \\"p95_us\\": %d, "
    .. "\\"p99_us\\": %d, \\"non_2xx\\": %d, \\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, \\"timeout\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def start_gunicorn(port: int, url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings_load",
        "DEBUG": "0",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "talentportal.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        "--worker-class=sync",
        "--timeout=60",
        "--backlog=2048",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            if fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(process)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # graceful: workers finish their request and exit
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def drain(base: str) -> None:
    """Wait until gunicorn has answered what the last wrk run left in its listen queue (wrk stops
    with up to 50 requests still queued; the next case must not pay for them)."""
    fetch(f"{base}/healthz")
    time.sleep(1)


def run_wrk(url: str, duration: int, lua: Path, token: str | None) -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"--duration={duration}s", "--timeout=10s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Token {token}"]
    command += ["-s", str(lua), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("LOADJSON "))
    raw = json.loads(line.removeprefix("LOADJSON "))
    rps = next((float(line.split()[1]) for line in output.splitlines() if line.startswith("Requests/sec:")), None)
    return {
        "rps": round(rps if rps is not None else raw["requests"] / raw["seconds"], 1),
        "requests": raw["requests"],
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "errors": raw["non_2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        "non_2xx": raw["non_2xx"],
        "socket_errors": {key: raw[key] for key in ("connect", "read", "write", "timeout")},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per case (default 15)")
    parser.add_argument("--json", type=Path, help='also write the figures under "load" in this file (merged)')
    args = parser.parse_args()
    url = bench_database_url()
    if not url:
        print("load: skipped, needs BENCH_DATABASE_URL or DATABASE_URL=postgres://...")
        return 0
    if not shutil.which("wrk"):
        print("load: needs wrk (apt-get install wrk)")
        return 1
    os.environ["DEBUG"] = "0"
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from apps.accounts.services import token_issue, token_revoke
    from apps.talents.models import Talent
    from apps.workflow.models import Application

    total = Application.objects.order_by().count()
    if total < 1000:
        print(f"load: only {total} applications here; run bench/generate.py first")
        return 1
    employer = (
        Talent.objects.exclude(employer=None)
        .values("employer_id")
        .annotate(n=Count("id"))
        .order_by("-n", "employer_id")
        .first()
    )
    assert employer is not None, "no talent has an employer"
    stored, token = token_issue(user=get_user_model().objects.get(username=ADMIN))
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    lua = workdir / "report.lua"
    lua.write_text(WRK_LUA)
    load_before = os.getloadavg()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_gunicorn(port, url, workdir / "gunicorn.log")
    results = []
    try:
        status, body = fetch(f"{base}/api/v1/applications/", token)
        assert status == 200, (status, body[:200])
        ids = [row["id"] for row in json.loads(body)["results"]]
        talents_path = f"/api/v1/talents/?employer={employer['employer_id']}"
        status, body = fetch(base + talents_path, token)
        assert status == 200, (status, body[:200])
        talent_ids = [row["id"] for row in json.loads(body)["results"]]
        joined = ",".join(map(str, ids))
        cases = [
            (
                "list",
                f"applications list, page 1 of {len(ids)}",
                "/api/v1/applications/",
                f"/bench/bare/applications/?ids={joined}",
            ),
            ("detail", "application detail", f"/api/v1/applications/{ids[0]}/", f"/bench/bare/applications/{ids[0]}/"),
            (
                "talents",
                f"talents of enterprise {employer['employer_id']} ({employer['n']}), page 1",
                talents_path,
                f"/bench/bare/talents/?ids={','.join(map(str, talent_ids))}",
            ),
        ]
        print(
            f"{total:,} applications; gunicorn {WORKERS} sync workers on port {port}, DEBUG off; wrk {THREADS} threads, "
            f"{CONNECTIONS} connections, {args.duration} s a case; as {ADMIN} (API token)\n"
        )
        header = (
            f"{'case':<44} {'rps':>7} {'p50':>7} {'p95':>7} {'bare rps':>9} {'bare p50':>9} {'bare p95':>9} "
            f"{'ratio':>6} {'errors':>7}  targets"
        )
        print(header)
        print("-" * len(header))
        for key, label, path, bare_path in cases:
            for target in (path, bare_path):  # warm both workers' connections and caches
                for _ in range(4):
                    status, _body = fetch(base + target, token if target == path else None)
                    assert status == 200, (target, status)
            project = run_wrk(base + path, args.duration, lua, token)
            drain(base)
            bare = run_wrk(base + bare_path, args.duration, lua, None)
            drain(base)
            ratio = round(project["rps"] / bare["rps"], 2) if bare["rps"] else 0.0
            min_ratio, max_p95 = TARGETS[key]
            checks = {
                f"ratio >= {min_ratio}": ratio >= min_ratio,
                f"p95 <= {max_p95} ms": project["p95_ms"] <= max_p95,
                "no errors": project["errors"] == bare["errors"] == 0
                and min(project["requests"], bare["requests"]) > 0,
            }
            results.append(
                {
                    "case": label,
                    "path": path,
                    "bare_path": bare_path,
                    "project": project,
                    "bare": bare,
                    "ratio": ratio,
                    "targets": {name: ("met" if ok else "missed") for name, ok in checks.items()},
                }
            )
            marks = ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in checks.items())
            print(
                f"{label:<44} {project['rps']:>7} {project['p50_ms']:>7} {project['p95_ms']:>7} {bare['rps']:>9} "
                f"{bare['p50_ms']:>9} {bare['p95_ms']:>9} {ratio:>5}x {project['errors']:>7}  {marks}",
                flush=True,
            )
    finally:
        stop_gunicorn(process)
        token_revoke(token=stored)
    load_after = os.getloadavg()
    print(
        f"\nlatencies in ms; errors: non-2xx and socket errors of the project's run; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; gunicorn log: {workdir / 'gunicorn.log'}"
    )
    if args.json:
        merged = {}
        if args.json.exists():
            existing = json.loads(args.json.read_text() or "{}")
            merged = existing if isinstance(existing, dict) else {"previous": existing}
        merged["load"] = {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "applications": total,
            "gunicorn": {"workers": WORKERS, "worker_class": "sync"},
            "wrk": {"threads": THREADS, "connections": CONNECTIONS, "duration_s": args.duration},
            "load_average_before": load_before,
            "load_average_after": load_after,
            "cases": results,
        }
        args.json.write_text(json.dumps(merged, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
