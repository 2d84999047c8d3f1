"""Protection of personal data: encryption at rest and a keyed hash for look-ups.

* ``encrypt``/``decrypt`` use Fernet (AES-128-CBC + HMAC-SHA256) through ``MultiFernet``: the first
  key in ``FIELD_ENCRYPTION_KEYS`` encrypts, every key decrypts. Rotation: put the new key first,
  deploy, run ``manage.py rotate_encryption_keys`` to re-encrypt, then drop the old key.
* ``pii_hash`` is HMAC-SHA256 with ``PII_HASH_KEY`` over the normalised value: equal inputs give
  equal digests, so a column of digests can be indexed and searched without storing the value.
  Changing that key means recomputing every digest (the same command does it).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return _current().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:  # a key was dropped too early, or the data was tampered with
        raise ValueError("encrypted value cannot be decrypted with the configured keys") from exc


def reencrypt(token: str) -> str:
    """Re-encrypt a token under the first (current) key."""
    return _current().rotate(token.encode("ascii")).decode("ascii")


def pii_hash(value: str) -> str:
    key = settings.PII_HASH_KEY.encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
