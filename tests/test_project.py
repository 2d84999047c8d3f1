"""The project as a whole: deployment files, production settings, API schema, pages, Celery."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import yaml
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_success
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

from apps.core.tasks import ping
from talentportal.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parent.parent


# --- docker-compose.yml ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_the_five_services_each_with_a_healthcheck(compose):
    assert set(compose["services"]) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in compose["services"].items():
        check = service["healthcheck"]
        assert check["test"], name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
        assert check["interval"], name
        assert check["retries"] >= 1, name


def test_compose_keeps_postgres_and_redis_data_in_volumes(compose):
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert "redisdata:/data" in compose["services"]["redis"]["volumes"]
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    assert "--appendonly yes" in compose["services"]["redis"]["command"]


def test_compose_app_services_run_production_settings_after_healthy_backends(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "talentportal.settings.production", name
        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }, name
    assert "gunicorn talentportal.wsgi:application" in compose["services"]["web"]["command"]
    assert compose["services"]["worker"]["command"].startswith("celery -A talentportal worker")


def test_compose_runs_exactly_one_beat(compose):
    beat = compose["services"]["beat"]
    assert beat["command"].startswith("celery -A talentportal beat")
    assert beat["deploy"]["replicas"] == 1
    assert "scale" not in beat
    beats = [s for s in compose["services"].values() if " beat" in str(s.get("command", ""))]
    assert len(beats) == 1


def test_compose_web_is_healthy_only_when_ready(compose):
    check = compose["services"]["web"]["healthcheck"]["test"]
    assert check[:2] == ["CMD", "python"]
    assert "http://127.0.0.1:8000/readyz" in check[-1]
    assert "timeout=" in check[-1]


def test_compose_runs_beat_in_no_worker(compose):
    for name, service in compose["services"].items():
        command = str(service.get("command", ""))
        if "celery" in command and " worker" in command:
            assert " -B" not in command and "--beat" not in command, name


# --- Production settings ---------------------------------------------------------------------


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "PII_", "FIELD_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="talentportal.settings.production",
        SECRET_KEY="k" + uuid.uuid4().hex + uuid.uuid4().hex + "-Zq9!x",  # 66 characters, many unique
        ALLOWED_HOSTS="talent.haizhu.gov.cn",
        DATABASE_URL="postgres://portal:secret@127.0.0.1:5432/talentportal",
        REDIS_URL="redis://127.0.0.1:6379/0",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        PII_HASH_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
        PORTAL_BASE_URL="https://talent.haizhu.gov.cn",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_with_production_settings_has_no_warning():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in result.stderr
    assert "?: (security." not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "FIELD_ENCRYPTION_KEYS",
        "PII_HASH_KEY",
        "PORTAL_BASE_URL",
    ],
)
def test_production_settings_refuse_to_import_without_a_required_variable(missing):
    env = production_env()
    del env[missing]
    result = run_python(["-c", "import talentportal.settings.production"], env)
    assert result.returncode == 1
    assert f"django.core.exceptions.ImproperlyConfigured: {missing} must be set in production" in result.stderr


def test_production_settings_values():
    code = (
        "import talentportal.settings.production as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'])"
    )
    result = run_python(["-c", code], production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False True True True 31536000 ['talent.haizhu.gov.cn'] django.db.backends.postgresql"
    )


def test_production_probes_answer_over_plain_http_inside_the_network():
    # The TLS redirect would send docker's and the balancer's plain-HTTP probe elsewhere.
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='talent.haizhu.gov.cn').get('/healthz');"
        "print(r.status_code, r.content.decode());"
        "print(Client(HTTP_HOST='talent.haizhu.gov.cn').get('/services/').status_code)"
    )
    result = run_python(["-c", code], production_env(LOG_LEVEL="ERROR"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ['200 {"status": "ok"}', "301"]


# --- API schema, docs, health, pages ---------------------------------------------------------


@pytest.mark.django_db
def test_openapi_schema_describes_the_auth_paths():
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Haizhu Talent Services Portal API"
    assert {"/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/me/"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/auth/register/"]) == {"post"}
    assert set(schema["paths"]["/api/v1/auth/token/"]) == {"post"}
    # register answers 202: the account waits for the code sent to its phone or e-mail (API.md)
    assert "202" in schema["paths"]["/api/v1/auth/register/"]["post"]["responses"]
    assert "get" in schema["paths"]["/api/v1/me/"]


@pytest.mark.django_db
def test_openapi_schema_as_json():
    response = Client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_api_docs_page():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "swagger" in response.content.decode().lower()


@pytest.mark.django_db
def test_health():
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


@pytest.mark.django_db
def test_home_page_in_chinese():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-Hans">' in body
    assert "海珠区人才服务平台" in body
    # the switch offers the other language, named in that language
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in body


@pytest.mark.django_db
def test_home_page_in_english():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Haizhu Talent Services Portal" in body
    assert "Household registration" in body  # the catalog's English names
    assert 'name="language" value="zh-hans" lang="zh-Hans">简体中文</button>' in body


@pytest.mark.django_db
def test_language_can_be_switched():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


# --- Celery ----------------------------------------------------------------------------------

EAGER_CALLS: list[str] = []


@shared_task(name="tests.record_call")
def record_call(value: str) -> str:
    EAGER_CALLS.append(value)
    return value


@shared_task(name="tests.set_redis_key")
def set_redis_key(key: str, value: str) -> None:
    """Proof that a real worker ran: a key in Redis the test reads back."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).set(key, value, ex=300)


@pytest.fixture
def eager_calls():
    EAGER_CALLS.clear()
    yield EAGER_CALLS
    EAGER_CALLS.clear()


def test_ping_runs_eagerly():
    assert celery_app.conf.task_always_eager is True
    result = ping.delay("x")
    assert result.get() == "pong:x"
    assert ping.apply(args=["y"]).get() == "pong:y"


def test_portal_tasks_retry_with_backoff():
    assert ping.max_retries == 5
    assert ping.autoretry_for == (Exception,)
    assert ping.retry_backoff == 5
    assert ping.retry_backoff_max == 600
    assert ping.acks_late is True


@pytest.mark.django_db
def test_delay_on_commit_never_runs_for_a_rolled_back_transaction(eager_calls, django_capture_on_commit_callbacks):
    # (The test itself runs inside a transaction: django_capture_on_commit_callbacks stands in for the
    # outermost commit. A transactional_db test would flush the migrations' data for later tests.)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        # given a task enqueued inside a transaction that then fails
        with pytest.raises(RuntimeError), transaction.atomic():
            record_call.delay_on_commit("rolled back")
            raise RuntimeError("boom")
        # and one enqueued inside a transaction that succeeds
        with transaction.atomic():
            record_call.delay_on_commit("committed")
        # then nothing runs before the commit
        assert eager_calls == []
    # and at the commit only the committed one runs, once
    assert len(callbacks) == 1
    assert eager_calls == ["committed"]


@pytest.fixture
def real_worker():
    """A real Celery worker (a thread of this process) consuming from the Redis broker.

    The app reads its configuration through Django's settings (namespace CELERY), where the
    prefixed name wins over ``app.conf.task_always_eager``: override the Django setting, which
    also restores it afterwards.
    """
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        assert celery_app.conf.task_always_eager is False
        with celery_app.connection_for_write() as conn:
            celery_app.control.purge(connection=conn)  # no leftovers from an interrupted run
        with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=30) as worker:
            yield worker
    assert celery_app.conf.task_always_eager is True


@pytest.mark.celery_worker
def test_real_worker_runs_ping(real_worker):
    # given a receiver for the worker's task_success signal: there is no result backend to ask
    done = threading.Event()
    results: list[object] = []

    def on_success(sender=None, result=None, **kwargs):
        if getattr(sender, "name", None) == ping.name:
            results.append(result)
            done.set()

    task_success.connect(on_success, weak=False)
    try:
        # when ping is sent through the broker
        async_result = ping.delay("x")
        # then the worker ran it and it answered
        assert done.wait(timeout=30), "the worker did not run core.ping within 30 s"
    finally:
        task_success.disconnect(on_success)
    assert not isinstance(async_result, EagerResult)  # it went through the broker
    assert results == ["pong:x"]


@pytest.mark.celery_worker
def test_real_worker_side_effect_in_redis(real_worker):
    import time

    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"talentportal-test:{uuid.uuid4().hex}"
    try:
        sent = set_redis_key.delay(key, "ran")
        assert not isinstance(sent, EagerResult)
        deadline = time.monotonic() + 30
        while client.get(key) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get(key) == b"ran"
    finally:
        client.delete(key)
