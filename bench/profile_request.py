"""Where one API request spends its time: the load bench's cases run in-process, timed and profiled.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hz_bench .venv/bin/python bench/profile_request.py [--profile list]

For each case of ``bench/load.py`` (the application list as a district admin, an application's detail,
an enterprise's talents) and its bare twin, the Django test client (the full middleware stack, the
admin's API token, ``DEBUG`` off) sends ``--repeat`` requests after a warm-up and prints the median
time per request, the queries per request and the database time among it. ``--profile CASE`` also
prints cProfile's 30 costliest functions (cumulative) for that case: the view's overhead, by
function. Writes nothing but the admin's API token, revoked at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate import bench_database_url, setup_django  # noqa: E402

ADMIN = "bench_district_admin_01"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", choices=["list", "detail", "talents"], action="append", default=[])
    args = parser.parse_args()
    url = bench_database_url()
    if not url:
        print("profile_request: skipped, needs BENCH_DATABASE_URL or DATABASE_URL=postgres://...")
        return 0
    os.environ["DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_load"
    setup_django(url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.services import token_issue, token_revoke
    from apps.talents.models import Talent

    settings.ALLOWED_HOSTS = ["*"]
    stored, token = token_issue(user=get_user_model().objects.get(username=ADMIN))
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        ids = [row["id"] for row in client.get("/api/v1/applications/").json()["results"]]
        employer = (
            Talent.objects.exclude(employer=None)
            .values("employer_id")
            .annotate(n=Count("id"))
            .order_by("-n", "employer_id")
            .first()
        )
        assert employer is not None
        talents_path = f"/api/v1/talents/?employer={employer['employer_id']}"
        talent_ids = [row["id"] for row in client.get(talents_path).json()["results"]]
        joined = ",".join(map(str, ids))
        cases = {
            "list": ("/api/v1/applications/", f"/bench/bare/applications/?ids={joined}"),
            "detail": (f"/api/v1/applications/{ids[0]}/", f"/bench/bare/applications/{ids[0]}/"),
            "talents": (talents_path, f"/bench/bare/talents/?ids={','.join(map(str, talent_ids))}"),
        }
        rows = []
        for case, (project, bare) in cases.items():
            figures = []
            for path in (project, bare):
                for _ in range(20):
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                times, cpu = [], []
                for _ in range(args.repeat):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    client.get(path)
                    times.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
                with CaptureQueriesContext(connection) as queries:
                    client.get(path)
                db_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
                figures.append((statistics.median(times) * 1000, len(queries), db_ms, statistics.median(cpu) * 1000))
            (p_ms, p_q, p_db, p_cpu), (b_ms, b_q, b_db, b_cpu) = figures
            rows.append((case, p_ms, p_q, p_db, b_ms, b_q, b_db, p_cpu, b_cpu))
            if case in args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.repeat):
                    client.get(project)
                profile.disable()
                print(f"\n== {case}: {project}, {args.repeat} requests, cumulative")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        print(
            f"\n{'case':<8} {'project ms':>10} {'cpu ms':>6} {'queries':>7} {'db ms':>6}"
            f" {'bare ms':>8} {'cpu ms':>6} {'queries':>7} {'db ms':>6} {'ratio':>6} {'cpu ratio':>9}"
        )
        for case, p_ms, p_q, p_db, b_ms, b_q, b_db, p_cpu, b_cpu in rows:
            print(
                f"{case:<8} {p_ms:>10.2f} {p_cpu:>6.2f} {p_q:>7} {p_db:>6.2f}"
                f" {b_ms:>8.2f} {b_cpu:>6.2f} {b_q:>7} {b_db:>6.2f} {b_ms / p_ms:>5.2f}× {b_cpu / p_cpu:>8.2f}×"
            )
        print(json.dumps({row[0]: {"project_ms": round(row[1], 2), "bare_ms": round(row[4], 2)} for row in rows}))
    finally:
        token_revoke(token=stored)
    return 0


if __name__ == "__main__":
    sys.exit(main())
