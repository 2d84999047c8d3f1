"""One id per request on every log line it causes, in this process and in the tasks it enqueues.

The id comes from the caller's ``X-Request-ID`` header when that is short and safe (a front proxy's
id, so its access log and ours match) or is generated; the response carries it back. It lives in a
context variable that a log record factory copies onto every record (``%(request_id)s``, and a field
of the JSON logs) and that ``before_task_publish`` puts into each task message's headers, from where
the worker binds it again while the task runs.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# The task message header that carries it (prefixed: a plain name could meet one of Celery's own).
TASK_HEADER = "portal_request_id"
# A proxy's UUID or trace id fits; anything longer or with other characters (spaces, quotes, newlines
# that could forge a log line) is replaced by a fresh id.
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
NONE = "-"

_current: ContextVar[str | None] = ContextVar("request_id", default=None)
access_logger = logging.getLogger("apps.core.access")


def current() -> str | None:
    return _current.get()


def clean(value: str | None) -> str | None:
    """``value`` when it may serve as a request id, else None."""
    if value and _VALID.fullmatch(value):
        return value
    return None


def generate() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound(request_id: str | None) -> Iterator[None]:
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)


def install_log_record_factory() -> None:
    """Every log record gets ``request_id`` (``-`` outside a request or task), whichever handler or
    formatter later sees it. Idempotent: installed once per process from ``CoreConfig.ready``."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _current.get() or NONE
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class RequestIdFilter(logging.Filter):
    """On the console handler: fills ``request_id`` on a record made before the factory was installed
    (while Django starts), so the formats that name it never fail."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get() or NONE
        return True


class RequestIdMiddleware:
    """First in ``MIDDLEWARE``: binds the id for everything after it (413s and lockouts included)
    until the response is finished, answers it in ``X-Request-ID`` and writes one access line per
    request (the path without the query string, which may carry personal data)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = clean(request.headers.get(HEADER)) or generate()
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.monotonic()
        # Bound until request_finished, not only while the middleware runs: Django's own line about
        # the response ("Not Found: /x", an error's traceback) is written after every middleware.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


@receiver(request_finished, dispatch_uid="apps.core.request_id.unbind")
def _unbind_request_id(**_: Any) -> None:
    _current.set(None)


# --- Celery: the id travels in the message headers ------------------------------------------------


@before_task_publish.connect(weak=False)
def _publish_with_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = _current.get()
    if request_id and headers is not None and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, Any] = {}


@task_prerun.connect(weak=False)
def _bind_task_request_id(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    # An eager task runs inside the request and already has its id; a worker's reads the header.
    request_id = clean(getattr(task.request, TASK_HEADER, None)) if task is not None else None
    if request_id and task_id:
        _task_tokens[task_id] = _current.set(request_id)


@task_postrun.connect(weak=False)
def _unbind_task_request_id(task_id: str | None = None, **_: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # bound in another context (a pool that moved threads): just unbind
            _current.set(None)
