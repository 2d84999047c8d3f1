"""The request id: taken from X-Request-ID when short and safe, else generated; answered back; on every
log line of the request; carried to the tasks the request enqueues and on their log lines."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from apps.core import request_id
from apps.core.tasks import ping
from apps.workflow.tests import factories as f
from apps.workflow.tests.factories import database_left_as_migrated  # noqa: F401 (a fixture)
from talentportal.celery import app
from tests.faults import wait_until
from tests.real_worker import broker_only, running_worker

BASE_DIR = Path(__file__).resolve().parents[3]
GENERATED = re.compile(r"[0-9a-f]{32}")


@contextmanager
def json_log_capture() -> Iterator[io.StringIO]:
    """Every record the root logger handles, written by the JSON formatter production uses."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_config = dict(settings.LOGGING["formatters"]["json"])
    factory = formatter_config.pop("()")
    handler.setFormatter(logging.config.DictConfigurator({}).resolve(factory)(**formatter_config))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    with json_log_capture() as stream:
        yield stream


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_safe_incoming_id_is_kept_and_answered_back():
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.2026:req_01")
    assert response["X-Request-ID"] == "lb-7f3a.2026:req_01"


@pytest.mark.parametrize(
    "sent",
    [
        "",
        "a" * 65,  # too long
        "abc def",  # a space
        "abc\\ndef",
        '"},{"level":"ERROR',  # would forge a JSON log field
        "-starts-with-a-dash",
        "中文",
    ],
)
@pytest.mark.django_db
def test_an_unsafe_or_missing_id_is_replaced_by_a_generated_one(sent):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=sent)
    assert GENERATED.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_each_request_gets_its_own_id():
    client = Client()
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3 and all(GENERATED.fullmatch(i) for i in ids)


@pytest.mark.django_db
def test_every_log_line_of_a_request_carries_its_id(json_log):
    # given a log line outside any request
    logging.getLogger("apps.test").info("before")
    # when a request logs (Django's "Not Found" warning, the access line)
    response = Client().get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="req-404-a")
    assert response.status_code == 404
    logging.getLogger("apps.test").info("after")

    records = lines(json_log)
    assert [(r["logger"], r["request_id"]) for r in records] == [
        ("apps.test", "-"),
        ("apps.core.access", "req-404-a"),
        ("django.request", "req-404-a"),
        ("apps.test", "-"),
    ]
    access = records[1]
    assert (access["level"], access["method"], access["path"], access["status"]) == (
        "INFO",
        "GET",
        "/api/v1/no-such-thing/",
        404,
    )
    assert access["time"] and access["duration_ms"] >= 0


@pytest.mark.celery_worker
def test_a_task_sent_during_a_request_carries_its_id_in_the_message_headers():
    with broker_only(), request_id.bound("req-task-1"):
        ping.delay("x")
    with app.connection_for_write() as conn:
        raw = conn.default_channel.client.lpop(app.conf.task_default_queue)
    message = json.loads(raw)
    assert message["headers"]["task"] == "core.ping"
    assert message["headers"][request_id.TASK_HEADER] == "req-task-1"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_left_as_migrated")
def test_the_tasks_a_request_enqueues_log_its_id_on_the_worker():
    f.service()
    owner = f.talent_user()
    client = f.client_for(owner)
    application = f.draft(owner)
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 201
    mail.outbox.clear()

    # The worker thread sets Django up again, which replaces the root logger's handlers: capture after.
    with broker_only(), running_worker(), json_log_capture() as log:

        def task_lines() -> dict[str, set[str]]:
            """{task name: request ids} of the worker's "Task <name>[<id>] succeeded" lines."""
            found: dict[str, set[str]] = {}
            for record in lines(log):
                if record["logger"] == "celery.app.trace" and "succeeded" in record["message"]:
                    found.setdefault(record["message"].split(" ")[1].split("[")[0], set()).add(record["request_id"])
            return found

        response = client.post(
            f"/api/v1/applications/{application.pk}/actions/submit/",
            {},
            format="json",
            HTTP_X_REQUEST_ID="req-submit-9",
        )
        assert response.status_code == 200
        assert response["X-Request-ID"] == "req-submit-9"
        # the submit's e-mail, the pre-check, and the pre-check's own e-mail (enqueued by the pre-check task)
        wait_until(lambda: len(mail.outbox) == 2, what="both e-mails")
        wait_until(lambda: len(task_lines()) == 2, what="the worker's lines")

        # the tasks the request enqueued, and those they enqueued in turn, log its id on the worker's thread
        assert task_lines() == {
            "workflow.application_precheck": {"req-submit-9"},
            "notifications.deliver_email": {"req-submit-9"},
        }
        # and the worker's own lines between tasks carry none
        assert {r["request_id"] for r in lines(log) if r["logger"] == "celery.worker.strategy"} == {"-"}
    assert request_id.current() is None


def test_production_logs_one_json_object_a_line_with_the_request_id():
    from tests.test_project import production_env

    code = (
        "import django, logging; django.setup();"
        "from apps.core import request_id;"
        "ctx = request_id.bound('req-prod-1'); ctx.__enter__();"
        "logging.getLogger('apps.example').warning('something happened');"
        "ctx.__exit__(None, None, None);"
        "logging.getLogger('apps.example').warning('outside')"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], cwd=BASE_DIR, env=production_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(r["level"], r["logger"], r["request_id"], r["message"]) for r in records] == [
        ("WARNING", "apps.example", "req-prod-1", "something happened"),
        ("WARNING", "apps.example", "-", "outside"),
    ]
    assert all(r["time"] for r in records)
