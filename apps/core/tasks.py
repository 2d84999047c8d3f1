"""Defaults every portal task shares: bounded retries with exponential backoff.

Tasks are thin and idempotent: they take ids, load rows, call a service. Enqueue them with
``task.delay_on_commit(...)`` so nothing runs for a transaction that rolled back.
"""

from typing import Any

from celery import shared_task
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

RETRY_DEFAULTS: dict[str, Any] = {
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


def portal_task(*args: Any, **kwargs: Any) -> Any:
    """``@portal_task`` / ``@portal_task(name=...)``: a shared task with the portal's retry policy."""
    options = {**RETRY_DEFAULTS, **kwargs}
    if args and callable(args[0]):
        return shared_task(**options)(args[0])
    return shared_task(*args, **options)


@portal_task(name="core.ping")
def ping(value: str) -> str:
    """Round-trip check used by the health view and the real-worker test."""
    return f"pong:{value}"


@task_prerun.connect(weak=False, dispatch_uid="apps.core.tasks.connections_before")
@task_postrun.connect(weak=False, dispatch_uid="apps.core.tasks.connections_after")
def _database_connections_like_a_request(task: Any = None, **_: Any) -> None:
    """On a worker, around each task what Django does around each request: close the database
    connection if it broke (an error in the task, the server restarted) or outlived ``CONN_MAX_AGE``,
    else keep it for the next task (``settings.CELERY_DB_REUSE_MAX`` stops Celery closing it every
    time). Not for an eager task: it runs inside the caller's request or transaction."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
