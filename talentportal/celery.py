"""The Celery application.

Reliability settings live in ``settings.base`` under the ``CELERY_`` prefix: JSON only, late acks,
a visibility timeout longer than any countdown, time limits, bounded retries.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings.local")

app = Celery("talentportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
