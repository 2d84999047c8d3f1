"""Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS.

With ``--rehash``, also recompute each field's keyed-hash column with the current PII_HASH_KEY
(after changing that key). Runs per model in batches, each batch in a transaction.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.core import crypto
from apps.core.fields import EncryptedTextField

BATCH = 1000


class Command(BaseCommand):
    help = "Re-encrypt personal data under the current key (and optionally recompute look-up hashes)."

    def add_arguments(self, parser):
        parser.add_argument("--rehash", action="store_true", help="recompute the keyed-hash columns too")

    def handle(self, *args, rehash: bool = False, **options):
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            updated = 0
            pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(pks), BATCH):
                with transaction.atomic():
                    rows = model._default_manager.select_for_update().filter(pk__in=pks[start : start + BATCH])
                    for obj in rows:
                        update_fields = []
                        for field in fields:
                            value = getattr(obj, field.attname)
                            if not value:
                                continue
                            update_fields.append(field.attname)  # saving re-encrypts under the first key
                            if rehash and field.hash_field:
                                setattr(obj, field.hash_field, crypto.pii_hash(value))
                                update_fields.append(field.hash_field)
                        if update_fields:
                            obj.save(update_fields=update_fields)
                            updated += 1
            self.stdout.write(f"{model._meta.label}: {updated} rows re-encrypted")
