"""Encryption at rest, key rotation and the keyed hash used to look personal data up."""

from __future__ import annotations

import hashlib
import hmac
import io

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from apps.core import crypto

KEY_OLD = Fernet.generate_key().decode()
KEY_NEW = Fernet.generate_key().decode()


def raw_user_columns(pk: int) -> tuple[str, str | None]:
    """The phone and phone_hash columns exactly as stored, bypassing the field's decryption."""
    User = get_user_model()
    table = connection.ops.quote_name(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone, phone_hash FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def test_round_trip_with_chinese_text():
    plain = "张伟 广州市海珠区新港中路397号 440105199001011234"
    token = crypto.encrypt(plain)
    assert crypto.decrypt(token) == plain


def test_ciphertext_differs_each_time_and_never_contains_the_value():
    plain = "13812341234"
    tokens = {crypto.encrypt(plain) for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert plain not in token
        assert crypto.decrypt(token) == plain


def test_old_tokens_decrypt_after_rotation_and_reencrypt_uses_the_new_key():
    # given a value encrypted under the old key
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        old_token = crypto.encrypt("李娜")
    # when the new key is put first
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW, KEY_OLD]):
        # then the old token still decrypts, and re-encryption yields a token under the new key
        assert crypto.decrypt(old_token) == "李娜"
        new_token = crypto.reencrypt(old_token)
        assert new_token != old_token
        # and new encryptions use the new key
        fresh = crypto.encrypt("王芳")
    # and once the old key is dropped, the re-encrypted and fresh tokens still decrypt
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW]):
        assert crypto.decrypt(new_token) == "李娜"
        assert crypto.decrypt(fresh) == "王芳"
        with pytest.raises(ValueError, match="cannot be decrypted"):
            crypto.decrypt(old_token)


def test_decrypt_with_a_wrong_key_raises_value_error():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        token = crypto.encrypt("secret")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW]), pytest.raises(ValueError):
        crypto.decrypt(token)


def test_decrypt_of_tampered_token_raises_value_error():
    token = crypto.encrypt("secret")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(ValueError):
        crypto.decrypt(tampered)


def test_no_keys_is_an_error():
    with override_settings(FIELD_ENCRYPTION_KEYS=[]), pytest.raises(RuntimeError, match="empty"):
        crypto.encrypt("x")


def test_pii_hash_is_a_deterministic_keyed_hmac():
    with override_settings(PII_HASH_KEY="key-one"):
        first = crypto.pii_hash("13812341234")
        again = crypto.pii_hash("13812341234")
        other_value = crypto.pii_hash("13812341235")
    with override_settings(PII_HASH_KEY="key-two"):
        other_key = crypto.pii_hash("13812341234")
    assert first == again
    assert first == hmac.new(b"key-one", b"13812341234", hashlib.sha256).hexdigest()
    assert len(first) == 64
    assert first != other_value
    assert first != other_key
    assert "13812341234" not in first


def test_generate_key_is_a_usable_fernet_key():
    key = crypto.generate_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[key]):
        assert crypto.decrypt(crypto.encrypt("ok")) == "ok"


@pytest.mark.django_db
def test_rotate_encryption_keys_command(make_user):
    # given a user whose phone was stored under the old key
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        user = make_user(phone="13912345678")
        no_phone = make_user()
        stored_before, hash_before = raw_user_columns(user.pk)
    assert stored_before != "13912345678"
    assert "13912345678" not in stored_before
    assert hash_before == crypto.pii_hash("13912345678")

    # when the new key goes first and the command runs
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW, KEY_OLD]):
        out = io.StringIO()
        call_command("rotate_encryption_keys", stdout=out)
        stored_after, hash_after = raw_user_columns(user.pk)

    # then, with only the new key, the phone still reads back and the column is new ciphertext
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW]):
        reloaded = get_user_model().objects.get(pk=user.pk)
        assert reloaded.phone == "13912345678"
        assert crypto.decrypt(stored_after) == "13912345678"
        assert get_user_model().objects.get(pk=no_phone.pk).phone == ""
    assert "accounts.User: 1 rows re-encrypted" in out.getvalue().splitlines()
    assert stored_after != stored_before
    assert "13912345678" not in stored_after
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]), pytest.raises(ValueError):
        crypto.decrypt(stored_after)
    # and the look-up hash is untouched without --rehash
    assert hash_after == hash_before
    assert raw_user_columns(no_phone.pk) == ("", None)


@pytest.mark.django_db
def test_rotate_encryption_keys_rehash(make_user):
    # given a user stored with the old hash key
    with override_settings(PII_HASH_KEY="old-hash-key-0123456789abcdefghij"):
        user = make_user(phone="+86 137-0000-1111")
    _, old_hash = raw_user_columns(user.pk)
    assert old_hash == hmac.new(b"old-hash-key-0123456789abcdefghij", b"13700001111", hashlib.sha256).hexdigest()

    # when PII_HASH_KEY changes and the command runs with --rehash
    with override_settings(PII_HASH_KEY="new-hash-key-0123456789abcdefghij"):
        call_command("rotate_encryption_keys", "--rehash", stdout=io.StringIO())
        stored, new_hash = raw_user_columns(user.pk)
        # then the digest is the new key's, the phone is still ciphertext, and look-up by phone works
        assert new_hash == crypto.pii_hash("13700001111")
        from apps.accounts.selectors import user_by_identifier

        assert user_by_identifier("13700001111") == user
    assert new_hash != old_hash
    assert new_hash != "13700001111"
    assert "13700001111" not in stored
    assert crypto.decrypt(stored) == "13700001111"


@pytest.mark.django_db
def test_phone_hash_column_never_holds_the_phone(make_user):
    user = make_user(phone="13512345678")
    stored, digest = raw_user_columns(user.pk)
    assert digest == crypto.pii_hash("13512345678")
    assert digest != "13512345678"
    assert "13512345678" not in stored
