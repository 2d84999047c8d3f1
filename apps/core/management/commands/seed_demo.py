"""``manage.py seed_demo``: load the demo data. Idempotent: running it twice changes nothing more.

Each app contributes a ``demo.seed(stdout)`` function; they run in the order below, each in its
own transaction.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = [
    "apps.accounts.demo",
    "apps.enterprises.demo",
    "apps.talents.demo",
    "apps.workflow.demo",
    "apps.residency.demo",
]


class Command(BaseCommand):
    help = "Create the demo accounts and data (idempotent)."

    def handle(self, *args, **options):
        for module_path in DEMO_MODULES:
            app_label = module_path.rsplit(".", 1)[0]
            if not apps.is_installed(app_label):
                continue
            with transaction.atomic():
                import_module(module_path).seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("seed_demo: done"))
