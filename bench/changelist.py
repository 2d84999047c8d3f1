"""Time the admin's application changelist server-side on the generated data (``bench/generate.py``).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hz_bench .venv/bin/python bench/changelist.py

Each case is one GET of ``/admin/workflow/application/`` through Django's test client (the whole
request: middleware, admin view, queries, template) as a signed-in intake clerk; after one warm-up
request it runs ``--runs`` times and prints the median and the slowest, the queries per request
(the same with page size 50 and 200, or the page grows queries), the time spent in the database
(sum of the queries) and the process's CPU time for the request (both less sensitive than the wall
clock to other work on the machine), whether a ``COUNT`` without a ``LIMIT`` ran, and the rows shown. The target is 300 ms per case at 1,000,000 rows.
``--json PATH`` writes the figures too; ``--strict`` exits 1 when a case misses the target.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate import bench_database_url, setup_django  # noqa: E402

URL = "/admin/workflow/application/"
TARGET_MS = 300
CLERK = "bench_intake_clerk_01"


def cases(number: str, name: str) -> list[tuple[str, str]]:
    return [
        ("default queue (open, priority then deadline)", ""),
        ("state filter: under review", "status=under_review"),
        ("state filter: completed", "status=completed"),
        ("all states", "status=all"),
        ("search by number", f"q={number}"),
        ("search by name", f"q={name}"),
        ("page 500", "p=500"),
        ("queue: mine", "queue=mine"),
        ("queue: unassigned", "queue=unassigned"),
        ("queue: due soon", "queue=due_soon"),
        ("queue: overdue", "queue=overdue"),
        ("service filter + overdue", "service__id__exact={service}&queue=overdue"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--explain", action="store_true", help="print each case's slowest query plan")
    parser.add_argument("--strict", action="store_true", help=f"exit 1 when a case's median is over {TARGET_MS} ms")
    args = parser.parse_args()
    url = bench_database_url()
    if not url:
        print("changelist: skipped, needs BENCH_DATABASE_URL or DATABASE_URL=postgres://...")
        return 0
    os.environ["DEBUG"] = "0"
    setup_django(url)
    from urllib.parse import quote

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from apps.workflow.admin import ApplicationAdmin
    from apps.workflow.models import Application

    setup_test_environment()
    logging.disable(logging.INFO)  # the request log line of every request
    total = Application.objects.order_by().count()
    if total < 1000:
        print(f"changelist: only {total} applications here; run bench/generate.py first")
        return 1
    clerk = get_user_model().objects.get(username=CLERK)
    client = Client()
    client.force_login(clerk)
    # A number and a name that exist, from the newest cases (those a clerk looks for).
    number, service = (
        Application.objects.filter(number__isnull=False, status="under_review")
        .order_by("-id")
        .values_list("number", "service_id")[10]
    )
    name = Application.objects.filter(number=number).values_list("applicant__name", flat=True)[0]
    print(f"{total:,} applications; as {CLERK}; median of {args.runs} runs after one warm-up\n")
    header = (
        f"{'case':<46} {'median':>8} {'max':>8} {'db':>7} {'py cpu':>7} {'queries':>8} {'q@200':>6} {'count':>7} "
        f"{'rows':>5}"
    )
    print(header)
    print("-" * len(header))
    results = []
    count_over_table = re.compile(r"SELECT COUNT\(\*\)", re.I)
    for label, query in cases(number, quote(name)):
        query = query.format(service=service)
        path = f"{URL}?{query}" if query else URL
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        timings, db, cpu = [], [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            db.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        rows = len(response.context["cl"].result_list)
        counts = [q["sql"] for q in captured.captured_queries if count_over_table.search(q["sql"])]
        # A bounded count reads at most a page's worth of rows more than the page: LIMIT in it.
        unbounded = [sql for sql in counts if "LIMIT" not in sql.upper()]
        ApplicationAdmin.list_per_page, per_page = 200, ApplicationAdmin.list_per_page
        # The same rows' page at 200 a page (page 500 of 50 is page 125 of 200).
        wide_path = re.sub(r"\bp=(\d+)", lambda m: f"p={max(1, int(m.group(1)) * per_page // 200)}", path)
        try:
            with CaptureQueriesContext(connection) as wide:
                client.get(wide_path)
        finally:
            ApplicationAdmin.list_per_page = per_page
        row = {
            "case": label,
            "path": path,
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1),
            "db_ms": round(statistics.median(db), 1),
            "python_cpu_ms": round(statistics.median(cpu), 1),
            "queries": len(captured.captured_queries),
            "queries_page_200": len(wide.captured_queries),
            "full_count": bool(unbounded),
            "rows": rows,
        }
        results.append(row)
        print(
            f"{label:<46} {row['median_ms']:>6.0f}ms {row['max_ms']:>6.0f}ms {row['db_ms']:>5.0f}ms "
            f"{row['python_cpu_ms']:>5.0f}ms {row['queries']:>8} "
            f"{row['queries_page_200']:>6} {'FULL' if unbounded else 'capped':>7} {rows:>5}"
            + ("" if row["median_ms"] <= TARGET_MS else "  > target")
        )
        if args.explain:
            page = max(captured.captured_queries, key=lambda q: float(q["time"]))
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + page["sql"])
                print("\n".join("    " + r[0] for r in cursor.fetchall()))
    slow = [r for r in results if r["median_ms"] > TARGET_MS]
    print(f"\n{len(results) - len(slow)} of {len(results)} cases within {TARGET_MS} ms")
    if args.json:
        args.json.write_text(json.dumps({"applications": total, "results": results}, ensure_ascii=False, indent=1))
    return 1 if slow and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
