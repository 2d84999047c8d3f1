"""Settings of ``bench/notifications.py`` and of the Celery worker it starts (both use these).

The local settings on the scratch database and the Redis broker that ``DATABASE_URL`` and
``REDIS_URL`` name, tasks sent to the broker (never eager) on the bench's own queue, and nothing
sent anywhere: each SMS is a line of ``$FAULT_OUTBOX/sms.jsonl`` (the fault tests' file backend),
each e-mail a file under ``$FAULT_OUTBOX/mail``. The files are the outbox the bench counts.
"""

import os

from talentportal.settings.local import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["BENCH_NOTIFY_QUEUE"]
SMS_BACKEND = "tests.fault_sms.FileSmsBackend"
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.path.join(os.environ["FAULT_OUTBOX"], "mail")
