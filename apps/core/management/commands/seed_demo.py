"""``manage.py seed_demo``: load the demo data. Idempotent: running it twice changes nothing more.

Each app contributes a ``demo.seed(stdout)`` function; they run in the order below, each in its
own transaction. Nothing leaves the portal while it runs: the notifications its applications raise are
recorded in-app, but no e-mail or SMS is sent (``notifications.services.deliveries_suppressed``).
"""

import logging
from contextlib import contextmanager
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.notifications.models import Notification
from apps.notifications.services import deliveries_suppressed

DEMO_MODULES = [
    "apps.accounts.demo",
    "apps.enterprises.demo",
    "apps.talents.demo",
    "apps.workflow.demo",
    "apps.residency.demo",
    "apps.schools.demo",
    "apps.apartments.demo",
]


@contextmanager
def _quiet_eager_tasks():
    """On the embedded default the seed's tasks (pre-checks) run eagerly in this process, and Celery logs
    a line at INFO for each one that succeeded: keep those out of the output; failures still show."""
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    trace.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        trace.setLevel(level)


class Command(BaseCommand):
    help = "Create the demo accounts and data (idempotent)."

    def handle(self, *args, **options):
        before = Notification.objects.count()
        with deliveries_suppressed(), _quiet_eager_tasks():
            for module_path in DEMO_MODULES:
                app_label = module_path.rsplit(".", 1)[0]
                if not apps.is_installed(app_label):
                    continue
                with transaction.atomic():
                    import_module(module_path).seed(stdout=self.stdout)
        recorded = Notification.objects.count() - before
        self.stdout.write(f"demo notifications: {recorded} recorded in the portal; no e-mail or SMS was sent")
        self.stdout.write(self.style.SUCCESS("seed_demo: done"))
