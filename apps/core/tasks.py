"""Defaults every portal task shares: bounded retries with exponential backoff.

Tasks are thin and idempotent: they take ids, load rows, call a service. Enqueue them with
``task.delay_on_commit(...)`` so nothing runs for a transaction that rolled back.
"""

from typing import Any

from celery import shared_task

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
