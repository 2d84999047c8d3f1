"""On the embedded default (no REDIS_URL) tasks run eagerly on the in-process memory transport, and
sending one must not print kombu's "No hostname was supplied" warning on every run of the portal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SEND_A_TASK = """
import logging
import django
django.setup()
logging.basicConfig(level=logging.WARNING)
from django.conf import settings
from apps.core.tasks import ping
print(settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER, ping.delay("x").get())
"""


def test_an_eager_task_on_the_embedded_default_sends_without_a_broker_warning():
    # given the local settings with neither Redis nor PostgreSQL configured
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "talentportal.settings.local"

    # when a task is sent
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SEND_A_TASK], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )

    # then it ran in-process and nothing was logged about a broker
    assert result.returncode == 0, result.stderr
    assert "No hostname" not in result.stderr and "kombu" not in result.stderr, result.stderr
    assert result.stdout.split() == ["memory://localhost/", "True", "pong:x"]
