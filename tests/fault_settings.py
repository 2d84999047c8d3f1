"""Settings of the worker subprocess that tests/faults.py starts (and SIGKILLs).

The test settings on the test database (DATABASE_URL names it), with tasks sent to the broker (not
run eagerly) on the test process's own queue, and the SMS and e-mail written to files the test reads.
"""

import os

from talentportal.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["FAULT_QUEUE"]
SMS_BACKEND = "tests.fault_sms.FileSmsBackend"
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.path.join(os.environ["FAULT_OUTBOX"], "mail")
