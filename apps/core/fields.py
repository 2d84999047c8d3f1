"""Model fields for personal data."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; the Python value is the plain text.

    The ciphertext is randomised, so the column cannot be searched or indexed: pair it with a
    ``*_hash`` column holding ``crypto.pii_hash`` of the normalised value for look-ups.
    """

    description = "Text encrypted at rest"

    def __init__(self, *args: Any, hash_field: str | None = None, **kwargs: Any):
        # The name of the sibling column holding crypto.pii_hash of the (normalised) value, if any:
        # ``rotate_encryption_keys --rehash`` recomputes it.
        self.hash_field = hash_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.hash_field:
            kwargs["hash_field"] = self.hash_field
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> str | None:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
