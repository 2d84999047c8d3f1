import itertools

import pytest

from apps.accounts import roles
from apps.core.sms import MemorySmsBackend

_phones = itertools.count(13800138001)


@pytest.fixture(autouse=True)
def sms_outbox():
    """``MemorySmsBackend.outbox`` is a class attribute shared by every test: start each one empty."""
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def make_talent(make_user):
    """A talent with an e-mail and, unless ``phone=None``, a unique mobile number."""

    def _make(**kwargs):
        if "phone" not in kwargs:
            kwargs["phone"] = str(next(_phones))
        return make_user(roles.TALENT, **kwargs)

    return _make


@pytest.fixture
def talent(make_talent):
    return make_talent()
