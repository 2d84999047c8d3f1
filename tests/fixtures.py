"""Fixtures every app's tests share."""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.accounts.services import user_create

PASSWORD = "Test#Pass2026"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(db):
    """``make_user(roles.REVIEWER)`` → a saved account with that role and ``PASSWORD``."""

    def _make(*role_names: str, username: str | None = None, **kwargs):
        n = next(_seq)
        return user_create(
            username=username or f"user{n}",
            password=PASSWORD,
            email=kwargs.pop("email", f"user{n}@example.cn"),
            role_names=role_names or (roles.TALENT,),
            **kwargs,
        )

    return _make


@pytest.fixture
def client_for():
    """``client_for(user)`` → an APIClient authenticated as that user (token auth, as outside clients)."""

    def _client(user) -> APIClient:
        from rest_framework.authtoken.models import Token

        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _client
