"""Generate a district's scale of data on PostgreSQL: 100,000 talents, 5,000 enterprises,
1,000,000 applications with ~4,300,000 timeline events.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hz_bench .venv/bin/python bench/generate.py

Without ``BENCH_DATABASE_URL`` it uses the server of ``DATABASE_URL`` with a database named
``talentportal_scale`` (never the database ``DATABASE_URL`` names: that one holds real or demo
data). The database is created when missing and migrated. Then, each stage only when it has not
run yet, so a second run adds nothing and an interrupted run resumes where it stopped:

- 30 staff accounts (clerks, reviewers, approvers, district admins; password ``BENCH_PASSWORD``);
- 5,000 enterprises with valid credit codes (incubators and maker spaces among them), this year's
  key-enterprise list of 520 with their household-registration indicators and 52 with school places;
- 100,000 talents through ``talent_bulk_create`` (the import's own path: resident IDs with valid
  check digits, Fernet-encrypted, keyed hashes), 2% of them green-card holders, a third with
  categories, each with a login account;
- 1,000,000 applications in ten chunks of 100,000 (one transaction each, ``COPY``), eight years of
  history: the older 90% closed (completed, rejected, withdrawn, abandoned drafts), the newest 10%
  mostly open in every open state, with deadlines around today (some overdue), assignees across
  the staff and green-card priority; each with the timeline events its path through the workflow
  leaves (create, submit, precheck, accept, ... fulfil).

Deterministic (a fixed seed per chunk). Takes about three minutes on two cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "talentportal_scale"
SEED = 20181231
TALENTS = 100_000
ENTERPRISES = 5_000
APPLICATIONS = 1_000_000
CHUNK = 100_000
# Application ids start above any demo data's; numbers follow the services' format.
ID_BASE = 10_000_000
RECENT_SHARE = 0.10  # the newest tenth: the last four months, where the open cases are
RECENT_DAYS = 120
START = dt.date(2019, 1, 1)
STAFF = {"intake_clerk": 10, "reviewer": 10, "approver": 8, "district_admin": 2}
BENCH_PASSWORD = os.environ.get("BENCH_PASSWORD", "Pazhou#2026rc")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国志红晓东海波宇浩然思雨欣怡子轩梓涵俊杰嘉豪"
REGIONS = ["440105", "440103", "440104", "440106", "440111", "440112", "440113", "440304", "110105", "310115"]
ZONES = ["琶洲互联网创新集聚区", "中大国际创新谷", "广州国际轻纺城", "海珠创新湾", ""]
INDUSTRIES = ["人工智能", "集成电路", "生物医药", "新材料", "数字创意", "金融科技", "跨境电商", "工业设计"]
CATEGORIES = ["academician", "thousand_talents", "guangdong_special", "other_high_level", "postdoc", "shortage"]

# (status, share within its period, the actions of its path; the last one lands in the status)
CLOSED_MIX = [
    ("draft", 0.30, ["create"]),  # drafts are unlimited and many are never submitted
    ("withdrawn", 0.15, ["create", "submit", "precheck", "withdraw"]),
    ("rejected", 0.10, ["create", "submit", "precheck", "reject"]),
    ("completed", 0.45, ["create", "submit", "precheck", "accept", "recommend", "approve", "fulfil"]),
]
RECENT_MIX = [
    ("draft", 0.15, ["create"]),
    ("withdrawn", 0.03, ["create", "submit", "withdraw"]),
    ("completed", 0.12, ["create", "submit", "precheck", "accept", "recommend", "approve", "fulfil"]),
    ("submitted", 0.02, ["create", "submit"]),
    ("pre_review", 0.18, ["create", "submit", "precheck"]),
    ("returned", 0.08, ["create", "submit", "precheck", "return"]),
    ("under_review", 0.25, ["create", "submit", "precheck", "accept"]),
    ("pending_approval", 0.10, ["create", "submit", "precheck", "accept", "recommend"]),
    ("publicity", 0.02, ["create", "submit", "precheck", "accept", "recommend", "publicise"]),
    ("approved", 0.05, ["create", "submit", "precheck", "accept", "recommend", "approve"]),
]
STATUS_AFTER = {
    "create": "draft",
    "submit": "submitted",
    "precheck": "pre_review",
    "accept": "under_review",
    "return": "returned",
    "recommend": "pending_approval",
    "publicise": "publicity",
    "approve": "approved",
    "fulfil": "completed",
    "reject": "rejected",
    "withdraw": "withdrawn",
}
STAFF_ACTIONS = {"accept": "intake_clerk", "return": "intake_clerk", "recommend": "reviewer", "reject": "intake_clerk"}
STAFF_ACTIONS |= {"approve": "approver", "publicise": "approver", "fulfil": "intake_clerk"}
ACCEPTED = {"under_review", "pending_approval", "publicity", "approved"}


def bench_database_url() -> str:
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return ""
    return urlunsplit(urlsplit(url)._replace(path="/" + DEFAULT_DB))


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    admin.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings.local")
    import django

    django.setup()


def step(label: str):
    class _Timer:
        def __enter__(self):
            self.started = time.perf_counter()
            print(f"{label} ...", end="", flush=True)

        def __exit__(self, *exc):
            if exc[0] is None:
                print(f" {time.perf_counter() - self.started:.1f} s", flush=True)

    return _Timer()


# --- staff, enterprises, talents -----------------------------------------------------------------


def ensure_staff() -> dict[str, list[int]]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user_model = get_user_model()
    by_role: dict[str, list[int]] = {}
    for role, count in STAFF.items():
        group = Group.objects.get(name=role)
        for n in range(1, count + 1):
            user, created = user_model.objects.get_or_create(
                username=f"bench_{role}_{n:02d}", defaults={"is_staff": True, "first_name": f"{role} {n}"}
            )
            if created:
                user.set_password(BENCH_PASSWORD)
                user.save(update_fields=["password"])
                user.groups.add(group)
            by_role.setdefault(role, []).append(user.pk)
    return by_role


def credit_code(rng: random.Random) -> str:
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "440105" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def ensure_enterprises(year: int) -> list[int]:
    from apps.enterprises.models import Enterprise, KeyEnterpriseListing, Quota

    existing = list(Enterprise.objects.filter(name__startswith="海珠测试").order_by("id").values_list("id", flat=True))
    if len(existing) >= ENTERPRISES:
        return existing
    with step(f"enterprises: {ENTERPRISES:,}"):
        rng = random.Random(SEED)
        codes: set[str] = set(Enterprise.objects.values_list("credit_code", flat=True))
        rows = []
        for n in range(ENTERPRISES):
            code = credit_code(rng)
            while code in codes:
                code = credit_code(rng)
            codes.add(code)
            kind = Enterprise.Kind.COMPANY
            if n % 125 == 0:
                kind = Enterprise.Kind.INCUBATOR
            elif n % 250 == 7:
                kind = Enterprise.Kind.MAKER_SPACE
            rows.append(
                Enterprise(
                    name=f"海珠测试{rng.choice(INDUSTRIES)}有限公司{n:05d}",
                    credit_code=code,
                    industry=rng.choice(INDUSTRIES),
                    zone=rng.choice(ZONES),
                    kind=kind,
                    is_national=kind != Enterprise.Kind.COMPANY and n % 3 == 0,
                    floor_area_m2=rng.randint(2_000, 30_000) if kind == Enterprise.Kind.INCUBATOR else 0,
                    graduated_firms=rng.randint(0, 20) if kind == Enterprise.Kind.INCUBATOR else 0,
                )
            )
        Enterprise.objects.bulk_create(rows, batch_size=5000)
        ids = list(Enterprise.objects.filter(name__startswith="海珠测试").order_by("id").values_list("id", flat=True))
        key = ids[:520]
        KeyEnterpriseListing.objects.bulk_create(
            [KeyEnterpriseListing(enterprise_id=pk, year=year) for pk in key], ignore_conflicts=True
        )
        quotas = []
        for i, pk in enumerate(key):
            total = rng.randint(1, 8)
            quotas.append(
                Quota(
                    enterprise_id=pk,
                    kind=Quota.Kind.HUKOU_INDICATOR,
                    year=year,
                    total=total,
                    used=rng.randint(0, total),
                )
            )
            if i < 52:
                total = rng.randint(2, 6)
                quotas.append(
                    Quota(
                        enterprise_id=pk,
                        kind=Quota.Kind.SCHOOL_PLACE,
                        year=year,
                        total=total,
                        used=rng.randint(0, total),
                    )
                )
        Quota.objects.bulk_create(quotas, ignore_conflicts=True)
    return ids


def ensure_talents(enterprise_ids: list[int]) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from stdnum.cn import ric

    from apps.core.crypto import pii_hash
    from apps.talents.models import Talent, TalentCategory
    from apps.talents.services import TalentBulkRow, talent_bulk_create

    have = Talent.objects.filter(user__username__startswith="bt").count()
    if have >= TALENTS:
        return
    if Talent.objects.filter(email__endswith="@bench.example.cn").exists():
        # Inserted but not linked yet (interrupted between the two transactions): link below.
        pass
    else:
        with step(f"talents: {TALENTS:,} (encrypted, hashed, through talent_bulk_create)"):
            rng = random.Random(SEED + 1)
            category_ids = dict(TalentCategory.objects.values_list("code", "id"))
            taken = set(Talent.objects.exclude(id_number_hash=None).values_list("id_number_hash", flat=True))
            rows: list[TalentBulkRow] = []
            while len(rows) < TALENTS:
                birth = dt.date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
                body = rng.choice(REGIONS) + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
                number = body + ric.calc_check_digit(body + "0")
                digest = pii_hash(number)
                if digest in taken:
                    continue
                taken.add(digest)
                phone = rng.choice(["13", "15", "18", "17", "19"]) + f"{rng.randint(0, 10**9 - 1):09d}"
                codes: tuple[str, ...] = ()
                if rng.random() < 0.33:
                    codes = tuple(rng.sample(CATEGORIES, 1))
                rows.append(
                    TalentBulkRow(
                        name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                        id_number=number,
                        id_number_hash=digest,
                        birth_date=birth,
                        sex="M" if int(number[16]) % 2 else "F",
                        phone=phone,
                        phone_hash=pii_hash(phone),
                        email=f"t{len(rows)}@bench.example.cn",
                        employer_id=rng.choice(enterprise_ids) if rng.random() < 0.8 else None,
                        category_ids=tuple(category_ids[c] for c in codes),
                        category_codes=codes,
                        year=rng.randint(2010, 2018) if codes else None,
                    )
                )
            talent_bulk_create(rows=rows, source="import")
    with step("talent accounts: one login per talent, 2% green-card holders"), transaction.atomic():
        user_model = get_user_model()
        ids = list(
            Talent.objects.filter(email__endswith="@bench.example.cn", user__isnull=True).values_list("id", flat=True)
        )
        password = make_password(None)  # unusable: these accounts are never signed into
        now = dt.datetime.now(dt.UTC)
        users = user_model.objects.bulk_create(
            [user_model(username=f"bt{pk}", password=password, date_joined=now) for pk in ids], batch_size=5000
        )
        group = Group.objects.get(name="talent")
        through = user_model.groups.through
        through.objects.bulk_create([through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE talents_talent t SET user_id = u.id, is_green_card_holder = (t.id % 50 = 0) "
                "FROM accounts_user u WHERE u.username = 'bt' || t.id AND t.user_id IS NULL"
            )


# --- applications and events ---------------------------------------------------------------------


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _default_text(field) -> str:
    import json

    if field.has_default():
        value = field.get_default()
        if isinstance(value, dict | list):
            return _copy_value(json.dumps(value))
        if isinstance(value, bool):
            return "t" if value else "f"
        return _copy_value(value)
    if field.null:
        return "\\N"
    return ""


def _columns(model, known: list[str]) -> tuple[list[str], str]:
    """The COPY column list: ``known`` first, then every other concrete column with its default,
    so a column added by a later migration does not break the generator."""
    extra = [f for f in model._meta.concrete_fields if f.column not in known]
    suffix = "".join("\t" + _default_text(f) for f in extra)
    return known + [f.column for f in extra], suffix


APP_COLUMNS = [
    "id", "created_at", "updated_at", "number", "service_id", "applicant_id", "submitted_by_id", "enterprise_id",
    "status", "data", "assignee_id", "priority", "submitted_at", "accepted_at", "clock_started_on",
    "working_days_used", "deadline", "supplement_deadline", "missing_materials", "problems", "recommended_by_id",
    "decided_at", "completed_at", "reject_reason", "precheck_report", "precheck_at", "result",
]  # fmt: skip
EVENT_COLUMNS = ["id", "application_id", "action", "from_status", "to_status", "actor_id", "note", "data", "ip", "at"]


def _pick(rng: random.Random, mix):
    r = rng.random()
    for status, share, path in mix:
        r -= share
        if r < 0:
            return status, path
    return mix[-1][0], mix[-1][2]


def chunk_text(k: int, ctx: dict, app_suffix: str, event_suffix: str) -> tuple[io.StringIO, io.StringIO, int]:
    """COPY text of chunk ``k``: applications ``k*CHUNK .. (k+1)*CHUNK-1`` and their events."""
    rng = random.Random(SEED * 100 + k)
    today: dt.date = ctx["today"]
    recent_from = today - dt.timedelta(days=RECENT_DAYS)
    old_span = (recent_from - START).total_seconds()
    first_recent = int(APPLICATIONS * (1 - RECENT_SHARE))
    talents, services, staff = ctx["talents"], ctx["services"], ctx["staff"]
    apps, events = io.StringIO(), io.StringIO()
    event_id = ID_BASE * 10 + k * CHUNK * 10
    tz = dt.UTC
    for i in range(k * CHUNK, (k + 1) * CHUNK):
        pk = ID_BASE + i + 1
        if i < first_recent:
            base = dt.datetime.combine(START, dt.time(1), tz) + dt.timedelta(seconds=old_span * i / first_recent)
            status, path = _pick(rng, CLOSED_MIX)
            talent = talents[rng.randrange(len(talents))]
            service = services[rng.randrange(len(services))]
        else:
            s = i - first_recent  # one open application per (talent, service): slot s is unique
            base = dt.datetime.combine(recent_from, dt.time(1), tz) + dt.timedelta(
                seconds=RECENT_DAYS * 86400 * s / (APPLICATIONS - first_recent)
            )
            status, path = _pick(rng, RECENT_MIX)
            talent = talents[(s // len(services)) % len(talents)]
            service = services[s % len(services)]
        created = base + dt.timedelta(seconds=rng.randint(0, 3600 * 9))
        talent_id, user_id, employer_id, green = talent
        times = [created]
        for _ in path[1:]:
            times.append(times[-1] + dt.timedelta(hours=rng.randint(2, 24 * 6)))
        submitted_at = times[1] if len(path) > 1 else None
        number = f"HZ{submitted_at.year}-{pk:06d}" if submitted_at else None
        accepted_at = times[path.index("accept")] if "accept" in path else None
        deadline = supplement = None
        assignee = recommended = None
        if accepted_at:
            if status in ACCEPTED:
                # Open cases: deadlines around today, about one in eight already passed.
                deadline = today + dt.timedelta(days=rng.randint(-4, 26))
            else:
                deadline = accepted_at.date() + dt.timedelta(days=20)
            if status == "under_review" and rng.random() < 0.1:
                supplement = today + dt.timedelta(days=rng.randint(-2, 15))
        acting = {a: rng.choice(staff[role]) for a, role in STAFF_ACTIONS.items()}
        if status in ACCEPTED or status == "completed":
            assignee = acting["accept"] if rng.random() < 0.85 else None
        elif status == "pre_review" and rng.random() < 0.5:
            assignee = rng.choice(staff["intake_clerk"])
        if "recommend" in path:
            recommended = acting["recommend"]
        decided = times[-1] if status in {"approved", "completed", "rejected", "publicity"} else None
        completed = times[-1] if status == "completed" else None
        priority = 1 if green and status not in {"draft", "withdrawn", "rejected", "completed"} else 0
        missing = '["degree_certificate"]' if supplement else "[]"
        apps.write(
            f"{pk}\t{created.isoformat()}\t{times[-1].isoformat()}\t{number or chr(92) + 'N'}\t{service}\t"
            f"{talent_id}\t{user_id}\t{employer_id or chr(92) + 'N'}\t{status}\t{{}}\t{assignee or chr(92) + 'N'}\t"
            f"{priority}\t{_copy_value(submitted_at and submitted_at.isoformat())}\t"
            f"{_copy_value(accepted_at and accepted_at.isoformat())}\t{_copy_value(accepted_at and accepted_at.date())}\t"
            f"0\t{_copy_value(deadline)}\t{_copy_value(supplement)}\t{missing}\t[]\t{recommended or chr(92) + 'N'}\t"
            f"{_copy_value(decided and decided.isoformat())}\t{_copy_value(completed and completed.isoformat())}\t"
            f"{'不符合申请条件' if status == 'rejected' else ''}\t{{}}\t"
            f"{_copy_value(times[2].isoformat() if len(path) > 2 and path[2] == 'precheck' else None)}\t{{}}"
            f"{app_suffix}\n"
        )
        previous = ""
        for action, at in zip(path, times, strict=True):
            event_id += 1
            target = STATUS_AFTER[action]
            actor = acting.get(action)
            if actor is None and action in {"create", "submit", "withdraw"}:
                actor = user_id
            events.write(
                f"{event_id}\t{pk}\t{action}\t{previous}\t{target}\t{actor or chr(92) + 'N'}\t\t{{}}\t\\N\t"
                f"{at.isoformat()}{event_suffix}\n"
            )
            previous = target
    apps.seek(0)
    events.seek(0)
    return apps, events, event_id - (ID_BASE * 10 + k * CHUNK * 10)


def ensure_applications() -> None:
    from django.db import connection, transaction

    from apps.talents.models import Talent
    from apps.workflow.models import Application, ApplicationEvent, ServiceDefinition

    staff = ensure_staff()
    talents = list(
        Talent.objects.filter(user__username__startswith="bt")
        .order_by("id")
        .values_list("id", "user_id", "employer_id", "is_green_card_holder")
    )
    services = list(ServiceDefinition.objects.order_by("sort_order", "code").values_list("id", flat=True))
    ctx = {"today": dt.date.today(), "talents": talents, "services": services, "staff": staff}
    app_columns, app_suffix = _columns(Application, APP_COLUMNS)
    event_columns, event_suffix = _columns(ApplicationEvent, EVENT_COLUMNS)
    for k in range(APPLICATIONS // CHUNK):
        if Application.objects.filter(pk=ID_BASE + (k + 1) * CHUNK).exists():
            continue  # this chunk went in already (its own transaction)
        with step(f"applications {k * CHUNK + 1:,}–{(k + 1) * CHUNK:,} with their events"):
            apps, events, n_events = chunk_text(k, ctx, app_suffix, event_suffix)
            with transaction.atomic(), connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg2's, for copy_expert
                raw.copy_expert(f"COPY workflow_application ({', '.join(app_columns)}) FROM STDIN", apps)
                raw.copy_expert(f"COPY workflow_applicationevent ({', '.join(event_columns)}) FROM STDIN", events)
            print(f" [{n_events:,} events]", end="", flush=True)
    with step("sequences, VACUUM ANALYZE"), connection.cursor() as cursor:
        for table in ("workflow_application", "workflow_applicationevent"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute(f"VACUUM ANALYZE {table}")  # the visibility map lets counts read the index only
        # The talents' accounts were linked by UPDATE after their COPY: a dead tuple per talent.
        cursor.execute("VACUUM ANALYZE talents_talent")
        # Every other table too (category holdings, memberships, quotas...): without statistics the
        # planner guesses, and a list's prefetch of holdings became a sequential scan.
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    url = bench_database_url()
    if not url:
        print("generate: skipped, needs BENCH_DATABASE_URL or DATABASE_URL=postgres://...")
        return 0
    started = time.perf_counter()
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.utils import timezone

    with step("migrate"):
        call_command("migrate", verbosity=0)
    ensure_staff()
    enterprise_ids = ensure_enterprises(timezone.localdate().year)
    ensure_talents(enterprise_ids)
    ensure_applications()

    from django.db import connection

    from apps.workflow.models import Application

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = 'workflow_applicationevent'::regclass")
        events = cursor.fetchone()[0]
    print(
        f"ready in {time.perf_counter() - started:.0f} s: {Application.objects.count():,} applications, "
        f"~{events:,} events ({urlsplit(url).path.lstrip('/')})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
