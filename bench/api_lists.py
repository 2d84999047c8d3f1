"""Time the REST lists server-side on the generated data (``bench/generate.py``).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hz_bench .venv/bin/python bench/api_lists.py

Each case is one GET through Django's test client as a district admin (the whole request:
authentication, throttles, filters, pagination, serializer), after one warm-up: the median and the
slowest of ``--runs``, the queries per request at page sizes 5 and 50 (the same, or a page grows
queries), whether a ``COUNT`` without a ``LIMIT`` ran, and the ``count`` answered (``+`` when capped).
Nothing is written: every request runs inside a transaction that is rolled back.
``--json PATH`` writes the figures too.
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

ADMIN = "bench_district_admin_01"
CASES = [
    ("applications, page 1", "/api/v1/applications/"),
    ("applications, page 2", "/api/v1/applications/?page=2"),
    ("applications, page 500 (past the count cap)", "/api/v1/applications/?page=500"),
    ("applications, page 5000", "/api/v1/applications/?page=5000"),
    ("applications, status=completed", "/api/v1/applications/?status=completed"),
    ("applications, status=under_review", "/api/v1/applications/?status=under_review"),
    ("talents, page 1", "/api/v1/talents/"),
    ("talents, page 200", "/api/v1/talents/?page=200"),
    ("enterprises, page 1", "/api/v1/enterprises/"),
]


class _Rollback(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    url = bench_database_url()
    if not url:
        print("api_lists: skipped, needs BENCH_DATABASE_URL or DATABASE_URL=postgres://...")
        return 0
    os.environ["DEBUG"] = "0"
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from apps.workflow.models import Application

    setup_test_environment()
    logging.disable(logging.INFO)  # the request log line of every request
    total = Application.objects.order_by().count()
    if total < 1000:
        print(f"api_lists: only {total} applications here; run bench/generate.py first")
        return 1
    unbounded_count = re.compile(r"COUNT\(", re.I)
    results = []
    header = f"{'case':<46} {'median':>8} {'max':>8} {'q@5':>5} {'q@50':>5} {'full count':>10} {'count':>8}"
    print(f"{total:,} applications; as {ADMIN}; median of {args.runs} runs after one warm-up\n")
    print(header)
    print("-" * len(header))
    try:
        with transaction.atomic():
            client = Client()
            client.force_login(get_user_model().objects.get(username=ADMIN))
            for label, path in CASES:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                timings = []
                for _ in range(args.runs):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        response = client.get(path)
                        timings.append((time.perf_counter() - started) * 1000)
                body = response.json()
                full = any(
                    unbounded_count.search(q["sql"]) and "LIMIT" not in q["sql"].upper()
                    for q in captured.captured_queries
                )
                sep = "&" if "?" in path else "?"
                sizes = {}
                for size in (5, 50):
                    with CaptureQueriesContext(connection) as sized:
                        client.get(f"{path}{sep}page_size={size}")
                    sizes[size] = len(sized.captured_queries)
                row = {
                    "case": label,
                    "path": path,
                    "median_ms": round(statistics.median(timings), 1),
                    "max_ms": round(max(timings), 1),
                    "queries_page_5": sizes[5],
                    "queries_page_50": sizes[50],
                    "full_count": full,
                    "count": body["count"],
                    "count_capped": bool(body.get("count_capped")),
                }
                results.append(row)
                count = f"{row['count']}{'+' if row['count_capped'] else ''}"
                print(
                    f"{label:<46} {row['median_ms']:>8} {row['max_ms']:>8} {sizes[5]:>5} {sizes[50]:>5} "
                    f"{'yes' if full else 'no':>10} {count:>8}",
                    flush=True,
                )
            raise _Rollback
    except _Rollback:
        pass
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
