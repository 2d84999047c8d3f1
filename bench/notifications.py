"""Benchmark: N notifications through ``notify`` and one real Celery worker; none lost, none doubled.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anything .venv/bin/python bench/notifications.py [--count 10000] [--json out.json]

Uses its own scratch database (``talentportal_bench_notify``) on that server (the million-row
database stays untouched): created and migrated the first time, kept for the next run (migrated
again, its notifications emptied; ``--fresh`` starts from an empty database, ``--drop`` drops it at
the end), with ``--recipients`` accounts with an e-mail address and an encrypted mainland mobile.
Starts ONE ``celery worker`` subprocess (prefork pool, ``--concurrency`` processes,
``--prefetch-multiplier``, its own queue on the Redis broker ``BENCH_REDIS_URL``, default
``redis://127.0.0.1:6379/5``) with the same settings (``bench/notify_settings.py``: nothing is sent,
SMS and e-mail are written to files, the outbox). Then ``--count`` calls of
``apps.notifications.services.notify`` (in-app, e-mail and SMS, each its own transaction, the
notification's delivery enqueued on commit, never eager) from ``--enqueue-threads`` threads, each
with its own database connection, as concurrent web requests would make them; timed from the first
enqueue until no delivery is pending or sending any more (the database, polled).

Checked afterwards, per notification and channel: **lost** — its row is not ``sent`` or the outbox
never got the message; **doubled** — the outbox got it more than once (each message carries the
notification's unique number). Prints a table (``--json PATH`` writes the figures under
``"notifications"``, merged into what the file holds), stops the worker
with a warm shutdown and exits 1 if anything was lost or doubled.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "talentportal_bench_notify"
QUEUE = "bench-notify"
WORKER = "bench-notify"
SEED = 20180102
NUMBER = re.compile(r"HZ\d{4}-\d{6,}")
FINAL = ("sent", "skipped", "failed")


def server_url(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


def create_recipients(count: int) -> list:
    """Talent-like accounts: unique e-mail, an encrypted mainland mobile with its keyed hash, one in
    ten preferring English (their messages render in English). Those of an earlier run are reused."""
    from django.contrib.auth import get_user_model

    from apps.core.crypto import pii_hash

    user_model = get_user_model()
    existing = list(user_model.objects.filter(username__startswith="bench_notify_").order_by("username"))
    if len(existing) == count:
        return existing
    user_model.objects.filter(username__startswith="bench_notify_").delete()
    rng = random.Random(SEED)
    prefixes = ["135", "136", "137", "138", "139", "150", "158", "186", "188", "199"]
    phones: set[str] = set()
    while len(phones) < count:
        phones.add(rng.choice(prefixes) + f"{rng.randrange(10**8):08d}")
    users = []
    for i, phone in enumerate(sorted(phones)):
        user = user_model(
            username=f"bench_notify_{i:05d}",
            email=f"talent{i:05d}@bench.example.cn",
            phone=phone,
            phone_hash=pii_hash(phone),
            language="en" if i % 10 == 0 else "",
        )
        user.set_unusable_password()
        users.append(user)
    return user_model.objects.bulk_create(users, batch_size=1000)


def forget_queue(redis_url: str) -> None:
    """The queue empty and none of its messages left unacknowledged by an interrupted earlier run."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.delete(QUEUE)
        for tag, payload in client.hgetall("unacked").items():
            if json.loads(payload)[2] == QUEUE:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    finally:
        client.close()


def start_worker(
    concurrency: int, prefetch_multiplier: int, env: dict[str, str], log_path: Path
) -> tuple[subprocess.Popen, object]:
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and celery
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "talentportal",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            f"--prefetch-multiplier={prefetch_multiplier}",
            f"--queues={QUEUE}",
            f"--hostname={WORKER}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: a stop reaches nothing else
    )
    deadline = time.monotonic() + 120
    while "ready." not in log_path.read_text(encoding="utf-8", errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process, log)
            raise RuntimeError("the worker did not start:\n" + log_path.read_text(encoding="utf-8", errors="replace"))
        time.sleep(0.2)
    return process, log


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live children (Linux ``/proc``; 0 elsewhere): the
    worker's main process and its pool. On a shared machine the steadier figure than the wall clock."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += cpu_seconds(int(child))
    except (OSError, IndexError, ValueError):
        pass
    return total


def stop_worker(process: subprocess.Popen, log: object) -> bool:
    """Warm shutdown (SIGTERM: finish the tasks in hand, then exit); True when it exited by itself."""
    clean = True
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            clean = False
            process.kill()
            process.wait(timeout=10)
    log.close()  # type: ignore[attr-defined]
    return clean and process.returncode == 0


def outbox_counts(outbox: Path) -> dict[str, collections.Counter]:
    """How many times each notification number went out, per channel, as the outbox files show."""
    counts = {"email": collections.Counter(), "sms": collections.Counter()}
    sms = outbox / "sms.jsonl"
    if sms.exists():
        for line in sms.read_text(encoding="utf-8").splitlines():
            if line:
                counts["sms"].update(NUMBER.findall(json.loads(line)["body"])[:1])
    mail = outbox / "mail"
    if mail.exists():
        for path in mail.iterdir():
            # One file per connection, one message per send_mail; each message ends with a separator line.
            for message in path.read_text(encoding="utf-8", errors="replace").split("-" * 79):
                counts["email"].update(NUMBER.findall(message)[:1])
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="notifications (each e-mail + SMS)")
    parser.add_argument("--recipients", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's prefork processes")
    parser.add_argument(
        "--prefetch-multiplier", type=int, default=4, help="messages each pool process has reserved (acks late)"
    )
    parser.add_argument("--enqueue-threads", type=int, default=4, help="threads calling notify, as web requests")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the queue to drain")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--fresh", action="store_true", help="drop the scratch database first, then migrate anew")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database at the end")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("notifications: skipped, needs DATABASE_URL=postgres://... (a scratch database is created there)")
        return 0
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect(server_url(url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        if args.fresh:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB)))
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    outbox = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DATABASE_URL=server_url(url, BENCH_DB),
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="bench.notify_settings",
        BENCH_NOTIFY_QUEUE=QUEUE,
        FAULT_OUTBOX=str(outbox),
        DEBUG="false",  # DEBUG keeps every SQL statement in memory
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    )
    os.environ.update(env)
    worker = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.db.models import Count, Q

        from apps.notifications import channels
        from apps.notifications.models import DeliveryStatus, Notification
        from apps.notifications.services import notify
        from talentportal.celery import app

        assert app.conf.task_always_eager is False and app.conf.task_default_queue == QUEUE
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        with connections["default"].cursor() as cursor:  # an earlier run's notifications
            cursor.execute(f"TRUNCATE {connections['default'].ops.quote_name(Notification._meta.db_table)}")
        recipients = create_recipients(min(args.recipients, args.count))
        print(
            f"scratch database {BENCH_DB} migrated, {len(recipients):,} recipients: {time.perf_counter() - started:.1f} s"
        )

        forget_queue(redis_url)
        worker, worker_log = start_worker(args.concurrency, args.prefetch_multiplier, env, outbox / "worker.log")
        print(
            f"worker up: one celery worker, prefork x{args.concurrency}, prefetch multiplier "
            f"{args.prefetch_multiplier}, queue {QUEUE} on {redis_url}; notify from {args.enqueue_threads} threads"
        )

        load_before = [round(x, 1) for x in os.getloadavg()]
        year = time.localtime().tm_year
        failures: list[BaseException] = []

        def enqueue(start: int) -> None:
            """Every ``--enqueue-threads``-th notification from ``start``, on this thread's own connection."""
            try:
                for i in range(start, args.count, args.enqueue_threads):
                    number = f"HZ{year}-{i + 1:06d}"
                    notify(
                        kind="application.submitted",
                        recipient=recipients[i % len(recipients)],
                        event_key=f"bench:{number}:submit",
                        context={"service": "高层次人才认定", "number": number},
                        link=f"/applications/{i + 1}/",
                        channels=channels.ALL,
                    )
            except BaseException as exc:  # noqa: BLE001 - reported on the main thread
                failures.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=enqueue, args=(t,)) for t in range(args.enqueue_threads)]
        worker_cpu_before, enqueue_cpu_before = cpu_seconds(worker.pid), sum(os.times()[:2])
        first = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        enqueued = time.perf_counter() - first
        enqueue_cpu_end = sum(os.times()[:2])
        if failures:
            raise failures[0]
        open_states = [DeliveryStatus.PENDING, DeliveryStatus.SENDING]
        unfinished = Q(email_status__in=open_states) | Q(sms_status__in=open_states)
        deadline = first + args.timeout
        while Notification.objects.filter(unfinished).exists() and time.perf_counter() < deadline:
            time.sleep(0.2)
        drained = time.perf_counter() - first
        load_after = [round(x, 1) for x in os.getloadavg()]
        worker_cpu = cpu_seconds(worker.pid) - worker_cpu_before
        enqueue_cpu = enqueue_cpu_end - enqueue_cpu_before
        clean_stop = stop_worker(worker, worker_log)
        worker = None

        sent = outbox_counts(outbox)
        lost = doubled = found = 0
        rows = Notification.objects.order_by("pk").values_list("event_key", "email_status", "sms_status")
        for event_key, *statuses in rows.iterator(chunk_size=2000):
            found += 1
            number = event_key.split(":")[1]
            for channel, status in zip(("email", "sms"), statuses, strict=True):
                times = sent[channel].pop(number, 0)
                lost += status != DeliveryStatus.SENT or times == 0
                doubled += max(times - 1, 0)
        stray = sum(sum(counter.values()) for counter in sent.values())  # sent, yet no such notification
        states = Notification.objects.aggregate(
            **{
                f"{channel}_{state}": Count("pk", filter=Q(**{f"{channel}_status": state}))
                for channel in ("email", "sms")
                for state in (*FINAL, *open_states)
            }
        )
        deliveries = 2 * args.count
        result = {
            "notifications": args.count,
            "rows": found,
            "deliveries": deliveries,
            "recipients": len(recipients),
            "worker_concurrency": args.concurrency,
            "worker_prefetch_multiplier": args.prefetch_multiplier,
            "enqueue_threads": args.enqueue_threads,
            "enqueue_s": round(enqueued, 2),
            "drain_s": round(drained, 2),
            "deliveries_per_s": round(deliveries / drained, 1),
            "worker_cpu_ms_per_delivery": round(1000 * worker_cpu / deliveries, 2),
            "enqueue_cpu_ms_per_notify": round(1000 * enqueue_cpu / args.count, 2),
            "lost": lost + max(args.count - found, 0) * 2,
            "doubled": doubled + stray,
            "states": states,
            "worker_stopped_cleanly": clean_stop,
            "load_average_before": load_before,
            "load_average_after": load_after,
        }
        header = (
            f"{'notifications':>13} {'deliveries':>10} {'enqueue s':>10} {'drain s':>8} {'deliveries/s':>12} "
            f"{'lost':>5} {'doubled':>7}"
        )
        print()
        print(header)
        print("-" * len(header))
        print(
            f"{args.count:>13,} {deliveries:>10,} {result['enqueue_s']:>10} {result['drain_s']:>8} "
            f"{result['deliveries_per_s']:>12} {result['lost']:>5} {result['doubled']:>7}"
        )
        print(
            f"\nCPU time: the worker (main process and pool) {result['worker_cpu_ms_per_delivery']} ms a delivery; "
            f"the notify() threads {result['enqueue_cpu_ms_per_notify']} ms a notification (this process)"
        )
        print(
            f"delivery states: {states}; worker stopped cleanly: {'yes' if clean_stop else 'NO'}; "
            f"load average {load_before[0]} before, {load_after[0]} after"
        )
        if args.json:
            merged = {}
            if args.json.exists():
                existing = json.loads(args.json.read_text() or "{}")
                merged = existing if isinstance(existing, dict) else {"previous": existing}
            merged["notifications"] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **result}
            args.json.write_text(json.dumps(merged, ensure_ascii=False, indent=2))
        return 1 if result["lost"] or result["doubled"] else 0
    finally:
        if worker is not None:
            stop_worker(worker, worker_log)
        forget_queue(redis_url)  # what a timed-out run left queued would feed the next run
        from django.db import connections

        connections.close_all()
        if args.drop:
            with admin.cursor() as cur:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB)))
        admin.close()
        shutil.rmtree(outbox, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
