"""A real Celery worker for tests, and a record of where each task actually ran.

The app reads its configuration through Django's settings (namespace ``CELERY``), where
``CELERY_TASK_ALWAYS_EAGER=True`` (settings/test.py) wins over ``app.conf.task_always_eager``:
only ``override_settings`` turns eager mode off. ``broker_only()`` does that (and empties this
process's queue, ``CELERY_TASK_DEFAULT_QUEUE``, one per pytest-xdist process); ``running_worker()``
starts a worker thread consuming from it. ``TaskRuns`` records, for every task run, the thread it
ran on, the queue it came from and whether it was eager, so a test can prove the worker ran it and
not the test's own thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun, task_success
from django.db import connection
from django.test import override_settings

from talentportal.celery import app


@dataclass
class Run:
    task: str
    task_id: str
    args: tuple
    thread: int
    thread_name: str
    hostname: str | None
    routing_key: str | None
    is_eager: bool
    result: object = None
    done: bool = False


@dataclass
class TaskRuns:
    runs: list[Run] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _prerun(self, sender=None, task_id=None, task=None, args=None, **_: object) -> None:
        request = task.request
        with self._lock:
            self.runs.append(
                Run(
                    task=task.name,
                    task_id=task_id,
                    args=tuple(args or ()),
                    thread=threading.get_ident(),
                    thread_name=threading.current_thread().name,
                    hostname=request.hostname,
                    routing_key=(request.delivery_info or {}).get("routing_key"),
                    is_eager=bool(request.is_eager),
                )
            )

    def _success(self, sender=None, result=None, **_: object) -> None:
        with self._lock:
            for run in self.runs:
                if run.task_id == sender.request.id:
                    run.result, run.done = result, True

    def named(self, name: str) -> list[Run]:
        with self._lock:
            return [run for run in self.runs if run.task == name]

    def wait_for(self, task_id: str, timeout: float = 30.0) -> Run:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for run in self.runs:
                    if run.task_id == task_id and run.done:
                        return run
            time.sleep(0.05)
        raise AssertionError(f"task {task_id} did not succeed within {timeout}s")


@contextmanager
def recording_task_runs() -> Iterator[TaskRuns]:
    runs = TaskRuns()
    task_prerun.connect(runs._prerun, weak=False)
    task_success.connect(runs._success, weak=False)
    try:
        yield runs
    finally:
        task_prerun.disconnect(runs._prerun)
        task_success.disconnect(runs._success)


@contextmanager
def broker_only() -> Iterator[None]:
    """Eager mode off: ``delay()`` sends to the Redis broker; nothing runs until a worker takes it."""
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        assert app.conf.task_always_eager is False
        with app.connection_for_write() as conn:
            app.control.purge(connection=conn)  # no leftovers from an interrupted run on this queue
        yield
    assert app.conf.task_always_eager is True


def _close_worker_connection(**_: object) -> None:
    # The worker thread's own database connection: closed after each task so none outlives the test database.
    connection.close()


@contextmanager
def running_worker() -> Iterator[object]:
    """A worker (a thread of this process, solo pool) consuming this process's queue."""
    task_postrun.connect(_close_worker_connection, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connection)


def queued(queue: str | None = None) -> int:
    """How many messages wait on this process's queue in the broker (Redis list length)."""
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue or app.conf.task_default_queue)
