"""Real faults for tests: PostgreSQL refusing connections, Redis and the broker at a closed port, a
Celery worker in a subprocess that a test can SIGKILL.

Nothing here is a mock: the database really refuses connections (``ALLOW_CONNECTIONS false`` and its
backends terminated), the closed port really refuses, the worker is a real ``celery worker`` process
on the Redis broker with the test database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg2
from django.conf import settings
from django.db import close_old_connections, connection
from django.test import override_settings

BASE_DIR = Path(__file__).resolve().parent.parent
# Nothing listens on port 1: a connection there is refused at once.
CLOSED_REDIS_URL = "redis://127.0.0.1:1/0"


def maintenance_connection() -> psycopg2.extensions.connection:
    """An autocommit connection to the server's ``postgres`` database, as the test database's owner."""
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    return admin


@contextmanager
def database_unreachable() -> Iterator[str]:
    """The test database refuses every connection, and the open ones are cut, until the block ends;
    then it accepts them again. Django's connection is closed on both sides, as the WSGI handler's
    ``close_old_connections`` does at the end of a request that met a database error (the test client
    turns that off)."""
    name = connection.settings_dict["NAME"]
    admin = maintenance_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()
        close_old_connections()
        connection.close()


@contextmanager
def redis_unreachable() -> Iterator[None]:
    """The cache and the Celery broker at a port where nothing listens (eager mode off, so a task is
    really sent and fails). The app's connection and producer pools are set aside on both sides so
    no connection to the real broker is reused inside, nor one to the closed port kept after."""
    from talentportal.celery import app

    def fresh_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    kept = app._pool, app.amqp._producer_pool
    with override_settings(
        CACHES={"default": {**settings.PRODUCTION_REDIS_CACHE, "LOCATION": CLOSED_REDIS_URL}},
        CELERY_BROKER_URL=CLOSED_REDIS_URL,
        CELERY_TASK_ALWAYS_EAGER=False,
    ):
        fresh_pools()
        try:
            yield
        finally:
            if app._pool is not None:
                app._pool.force_close_all()
            app._pool, app.amqp._producer_pool = kept


def wait_until(condition: Callable[[], object], *, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.1)


# --- A worker in a subprocess ----------------------------------------------------------------------


class WorkerProcess:
    """``celery worker`` on the Redis broker, consuming this test process's queue, with the test
    database and ``tests.fault_settings``: SMS and e-mail recorded in files under ``outbox``, the
    first SMS send held at a barrier when ``hold_sms``. The solo pool runs a task in the worker's own
    process; ``pool="prefork"`` in one child process."""

    def __init__(self, outbox: Path, *, name: str, hold_sms: bool = False, pool: str = "solo"):
        self.outbox = outbox
        self.name = name
        db = connection.settings_dict
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "CI"))}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.fault_settings",
            DATABASE_URL=(
                f"postgres://{quote(db['USER'], safe='')}:{quote(db.get('PASSWORD') or '', safe='')}"
                f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            ),
            REDIS_URL=settings.REDIS_URL,
            FAULT_OUTBOX=str(outbox),
            FAULT_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
            FAULT_HOLD_SMS="1" if hold_sms else "",
        )
        self.log_path = outbox / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and celery
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "talentportal",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                f"--queues={settings.CELERY_TASK_DEFAULT_QUEUE}",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill reaches nothing else
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        wait_until(
            lambda: "ready." in self.log() or self.process.poll() is not None, timeout=timeout, what=f"{self.name} up"
        )
        assert self.process.poll() is None, self.log()

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no cleanup."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def sms_sent(outbox: Path) -> list[dict]:
    path = outbox / "sms.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def forget_unacked(queue: str) -> int:
    """Drop this queue's messages that a killed worker left unacknowledged in Redis: the broker would
    restore them after the visibility timeout (13 hours), into some later test run."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    dropped = 0
    try:
        for tag, payload in client.hgetall("unacked").items():
            _message, _exchange, routing_key = json.loads(payload)
            if routing_key == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
                dropped += 1
    finally:
        client.close()
    return dropped
