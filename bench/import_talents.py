"""Benchmark: ``import_talents`` of 100,000 rows on PostgreSQL, against a raw COPY of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anything .venv/bin/python bench/import_talents.py [--rows N]

Creates its own scratch database (``talentportal_bench``) on that server, migrates it, generates a
deterministic CSV (real-shaped resident IDs with valid check digits and birth dates, mainland
mobiles, 300 enterprises, categories on a third of the rows), runs ``manage.py import_talents``
(the same code path as the command: full validation, Fernet encryption of resident ID and phone,
keyed hashes, history and holdings rows, one transaction), checks what was written, times a raw
``COPY`` of the same CSV into a temporary table, prints the figures and drops the database.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "talentportal_bench"
SEED = 20180101
# Guangzhou district codes (Haizhu first) and a few from elsewhere in Guangdong and China.
REGIONS = [
    "440105",
    "440103",
    "440104",
    "440106",
    "440111",
    "440112",
    "440113",
    "440114",
    "440115",
    "440117",
    "440118",
    "440304",
    "440604",
    "441900",
    "442000",
    "110105",
    "310115",
    "430104",
    "360102",
    "510107",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国志红晓东海波宇浩然思雨欣怡子轩梓涵俊杰嘉豪"
EDUCATION = ["博士研究生", "硕士研究生", "大学本科", "大学专科", "其他", ""]
FIELDS = ["人工智能", "集成电路", "生物医药", "新材料", "数字创意", "金融科技", "跨境电商", "工业设计", ""]
CATEGORIES = [
    "academician",
    "thousand_talents",
    "ten_thousand_talents",
    "guangdong_special",
    "other_high_level",
    "postdoc",
    "shortage",
    "district_outstanding",
    "district_excellent",
    "district_young",
]
HEADERS = ["姓名", "身份证号", "手机", "邮箱", "学历", "学位", "专业领域", "工作单位信用代码", "人才类别", "入选年度"]


def credit_code(rng: random.Random) -> str:
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "440105" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def generate(path: Path, rows: int, enterprise_codes: list[str]) -> None:
    from stdnum.cn import ric

    rng = random.Random(SEED)
    seen: set[str] = set()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        while len(seen) < rows:
            birth = f"{rng.randint(1955, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            body = rng.choice(REGIONS) + birth + f"{rng.randint(0, 999):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number in seen:
                continue
            seen.add(number)
            phone = (
                rng.choice(["13", "15", "18", "17", "19"]) + str(rng.randint(0, 9)) + f"{rng.randint(0, 10**8 - 1):08d}"
            )
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            categories = ""
            year = ""
            if rng.random() < 0.35:
                categories = ";".join(rng.sample(CATEGORIES, rng.choice((1, 1, 1, 2))))
                year = str(rng.randint(2008, 2018))
            education = rng.choice(EDUCATION)
            writer.writerow(
                [
                    name,
                    number,
                    phone if rng.random() < 0.9 else "",
                    f"u{len(seen)}@example.cn" if rng.random() < 0.5 else "",
                    education,
                    {"博士研究生": "博士", "硕士研究生": "硕士", "大学本科": "学士"}.get(education, ""),
                    rng.choice(FIELDS),
                    rng.choice(enterprise_codes) if rng.random() < 0.7 else "",
                    categories,
                    year,
                ]
            )


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a local process has used, or -1 if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_url(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        # Not an error: `make bench` on the embedded default (SQLite) has nothing to measure here.
        print("import_talents: skipped, needs DATABASE_URL=postgres://... (a scratch database is created there)")
        return 0
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect(server_url(url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(BENCH_DB)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))

    bench_url = server_url(url, BENCH_DB)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings.local")
    os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every SQL statement in memory
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from apps.enterprises.models import Enterprise
        from apps.talents.models import Talent, TalentCategoryHolding, TalentProfileChange

        call_command("migrate", verbosity=0)
        rng = random.Random(SEED)
        codes = sorted({credit_code(rng) for _ in range(300)})
        Enterprise.objects.bulk_create([Enterprise(name=f"基准企业{i}", credit_code=c) for i, c in enumerate(codes)])

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "talents.csv"
            started = time.perf_counter()
            generate(path, args.rows, codes)
            print(
                f"generated {args.rows} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
            )

            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                backend_pid = cur.fetchone()[0]
            backend_cpu = process_cpu(backend_pid)
            cpu = time.process_time()
            started = time.perf_counter()
            call_command("import_talents", str(path))
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
            backend_cpu = process_cpu(backend_pid) - backend_cpu if backend_cpu >= 0 else -1.0

            imported = Talent.objects.count()
            assert imported == args.rows, f"{imported} talents imported, expected {args.rows}"
            with connection.cursor() as cur:
                cur.execute("SELECT id_number FROM talents_talent LIMIT 1")
                raw = cur.fetchone()[0]
            assert raw.startswith("gAAAA") and len(raw) > 80, "resident IDs must be stored as Fernet ciphertext"
            holdings = TalentCategoryHolding.objects.count()
            history = TalentProfileChange.objects.count()

            raw_conn = psycopg2.connect(bench_url)
            try:
                with raw_conn.cursor() as cur:
                    cur.execute(
                        "CREATE TEMP TABLE copy_bench (" + ", ".join(f"c{i} text" for i in range(len(HEADERS))) + ")"
                    )
                    started = time.perf_counter()
                    with path.open(encoding="utf-8") as f:
                        cur.copy_expert("COPY copy_bench FROM STDIN WITH (FORMAT csv, HEADER true)", f)
                    raw_conn.commit()
                    copy_elapsed = time.perf_counter() - started
            finally:
                raw_conn.close()

        rate = args.rows / elapsed
        print(f"written: {imported} talents, {holdings} category holdings, {history} history rows")
        print(
            f"import_talents: {args.rows} rows in {elapsed:.1f} s = {rate:.0f} rows/s; "
            f"raw COPY {copy_elapsed:.2f} s; ratio {elapsed / copy_elapsed:.1f}x"
        )
        print(f"target >= 5000 rows/s: {'met' if rate >= 5000 else 'NOT met'} ({os.cpu_count()} CPUs)")
        # Wall-clock figures depend on what else the machine runs; CPU seconds do not.
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        pg = f"{backend_cpu:.1f} s" if backend_cpu >= 0 else "unknown (server not local)"
        print(f"CPU: import_talents process {cpu:.1f} s, its PostgreSQL backend {pg}; load average {load:.1f}")
        return 0
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have been set up
            pass
        if not args.keep:
            with admin.cursor() as cur:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB)))
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
