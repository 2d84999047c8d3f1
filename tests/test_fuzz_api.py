"""Fuzzing the REST API (issue 10): schemathesis over ``/api/v1/schema/`` for every operation.

Each operation is fuzzed three times: as an anonymous caller, as a talent and as a district admin
(``Authorization: Token <key>``), in-process through the project's WSGI application against the
test database. Checks on every response:

- ``not_a_server_error``: no 5xx, whatever the input;
- ``response_schema_conformance``: a response whose status the schema documents has the documented
  body;
- ``content_type_conformance``: ... and the documented media type.

``status_code_conformance`` is left out on purpose: the schema documents each operation's successes
(and some domain refusals such as 409), not the 400/401/403/404/405/413/429 every endpoint can
answer in the one error shape API.md gives for all; with it nearly every anonymous or
invalid-input case would "fail" on a documented, correct refusal. Those refusals are still held
to "no 5xx" and, where an operation documents the status, to its schema.

Runs are reproducible (``derandomize``) and bounded (``MAX_EXAMPLES`` per operation and role).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from apps.accounts import roles

MAX_EXAMPLES = 8
SCHEMA_PATH = "/api/v1/schema/"
CALLERS = ("anonymous", roles.TALENT, roles.DISTRICT_ADMIN)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
WRITE_METHODS = frozenset({"post", "put", "patch"})

application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Requests share the test's connection and transaction, as with Django's test client.

    Django closes the connection when a request finishes (``close_old_connections``); its test
    client disconnects that handler, and so does this fixture for the WSGI calls."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(request, make_user) -> dict[str, str]:
    """The headers of the caller named by the ``caller`` parameter: none, or that role's token."""
    from apps.accounts.services import token_issue

    caller = request.getfixturevalue("caller")
    if caller == "anonymous":
        return {}
    user = make_user(caller)
    _, token = token_issue(user=user)
    return {"Authorization": f"Token {token}"}


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.parametrize("caller", CALLERS)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case, caller: str, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=auth_headers, checks=CHECKS)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    raw = schema.raw_schema
    return [
        (method, path, operation)
        for path, item in raw["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
    ]


def test_schema_lists_every_operation() -> None:
    """The fuzzing above covers the whole API: the schema is not empty or truncated."""
    operations = _operations()
    assert len(operations) >= 40
    assert {path for _, path, _ in operations} >= {"/api/v1/applications/", "/api/v1/auth/token/", "/api/v1/me/"}


def test_every_write_operation_documents_its_request_body() -> None:
    """POST/PUT/PATCH document what they take; one that takes nothing says so (``x-no-body: true``)."""
    undocumented = []
    for method, path, operation in _operations():
        if method not in WRITE_METHODS:
            continue
        if operation.get("x-no-body") is True:
            assert "requestBody" not in operation, f"{method.upper()} {path}: x-no-body beside a requestBody"
            continue
        body = operation.get("requestBody", {})
        media = body.get("content", {})
        if not media or not all(entry.get("schema") for entry in media.values()):
            undocumented.append(f"{method.upper()} {path}")
    assert undocumented == []
