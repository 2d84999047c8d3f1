"""Helpers for the workflow tests: people, a service of our own, applications driven through the
engine to any state, file contents, a frozen "today", and a snapshot to prove nothing changed.

Plain functions (no fixtures), so every test module can use them without conftest plumbing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import struct
import zipfile
import zlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone as django_timezone
from rest_framework.test import APIClient

from apps.accounts import roles
from apps.accounts.services import token_issue, user_create
from apps.enterprises.services import enterprise_create, enterprise_member_set
from apps.notifications.models import Notification
from apps.talents.services import talent_create, talent_update
from apps.workflow import engine, services
from apps.workflow.models import (
    Application,
    ApplicationEvent,
    Attachment,
    DeadlineNotice,
    MaterialRequirement,
    ServiceDefinition,
)
from apps.workflow.states import Status
from tests.test_application_flow_helpers import valid_credit_code

PASSWORD = "Test#Pass2026"
SERVICE = "wf_test"  # a service of the tests' own: no registered steps, so exactly engine.TABLE applies
SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


# --- people ------------------------------------------------------------------------------------


def user(*role_names: str, **kwargs: Any):
    n = next(_seq)
    return user_create(
        username=kwargs.pop("username", f"wf{n}"),
        password=PASSWORD,
        email=kwargs.pop("email", f"wf{n}@example.cn"),
        role_names=role_names or (roles.TALENT,),
        **kwargs,
    )


def client_for(account) -> APIClient:
    client = APIClient()
    if account is not None:
        _, token = token_issue(user=account)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def talent_user(*, employer=None, extra_roles: tuple[str, ...] = (), name: str = "李华"):
    """An account with the talent role and a talent profile."""
    account = user(roles.TALENT, *extra_roles)
    talent = talent_create(user=account, actor=account, name=name)
    if employer is not None:
        # Recorded as district staff would (no actor): a confirmed employee, not the talent's own claim.
        talent_update(talent=talent, source="admin", employer=employer)
    return account


def staff_users() -> dict[str, Any]:
    """One account per staff role (and a superuser-free district admin)."""
    return {
        roles.INTAKE_CLERK: user(roles.INTAKE_CLERK),
        roles.REVIEWER: user(roles.REVIEWER),
        roles.APPROVER: user(roles.APPROVER),
        roles.FINANCE: user(roles.FINANCE),
        roles.DISTRICT_ADMIN: user(roles.DISTRICT_ADMIN),
    }


def enterprise(name: str = "琶洲科技有限公司"):
    n = next(_seq)
    return enterprise_create(name=f"{name}{n}", credit_code=valid_credit_code(f"9144010161{n:05d}"))


def hr_user(of_enterprise):
    account = user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=account, enterprise=of_enterprise)
    return account


# --- the service -------------------------------------------------------------------------------


def service(code: str = SERVICE, *, time_limit_days: int = 14, applicant_kinds=("talent", "enterprise_hr")):
    """A service with three materials: a PDF-only form, an ID (PDF or image, at most 1 MB), a photo."""
    definition, _ = ServiceDefinition.objects.update_or_create(
        code=code,
        defaults={
            "name": "流程测试事项",
            "name_en": "Workflow test service",
            "time_limit_days": time_limit_days,
            "applicant_kinds": list(applicant_kinds),
        },
    )
    for order, (material, name, required, types, max_mb) in enumerate(
        [
            ("application_form", "申请表", True, ["pdf"], 10),
            ("id_card", "居民身份证", True, ["pdf", "jpeg", "png"], 1),
            ("photo", "证件照", False, ["jpeg", "png"], 10),
        ],
        start=1,
    ):
        MaterialRequirement.objects.update_or_create(
            service=definition,
            code=material,
            defaults={
                "name": name,
                "required": required,
                "accepted_types": types,
                "max_size_mb": max_mb,
                "sort_order": order,
            },
        )
    return definition


# --- applications ------------------------------------------------------------------------------

# Valid inputs for each action, so a refusal can only come from role, state or duty.
INPUTS: dict[str, dict[str, Any]] = {
    "return": {"problems": ["身份证复印件不清晰 / the ID copy is unreadable"], "missing_materials": ["id_card"]},
    "accept_with_missing": {"missing_materials": ["id_card"], "problems": [], "supplement_days": 5},
    "reject": {"reason": "不符合申请条件 / not eligible"},
}

# How to reach each state from a draft: (action, who) steps. "applicant" is the owner, "system" the engine.
PATHS: dict[str, list[tuple[str, str]]] = {
    Status.DRAFT: [],
    Status.SUBMITTED: [("submit", "applicant")],
    Status.PRE_REVIEW: [("submit", "applicant"), ("precheck", "system")],
    Status.RETURNED: [("submit", "applicant"), ("precheck", "system"), ("return", roles.INTAKE_CLERK)],
    Status.UNDER_REVIEW: [("submit", "applicant"), ("precheck", "system"), ("accept", roles.INTAKE_CLERK)],
    Status.PENDING_APPROVAL: [
        ("submit", "applicant"),
        ("precheck", "system"),
        ("accept", roles.INTAKE_CLERK),
        ("recommend", roles.REVIEWER),
    ],
    Status.APPROVED: [
        ("submit", "applicant"),
        ("precheck", "system"),
        ("accept", roles.INTAKE_CLERK),
        ("recommend", roles.REVIEWER),
        ("approve", roles.APPROVER),
    ],
    Status.COMPLETED: [
        ("submit", "applicant"),
        ("precheck", "system"),
        ("accept", roles.INTAKE_CLERK),
        ("recommend", roles.REVIEWER),
        ("approve", roles.APPROVER),
        ("fulfil", roles.INTAKE_CLERK),
    ],
    Status.REJECTED: [("submit", "applicant"), ("precheck", "system"), ("reject", roles.INTAKE_CLERK)],
    Status.WITHDRAWN: [("withdraw", "applicant")],
}


def upload_required(application: Application, uploader) -> None:
    """Upload every required material of the application's service (a PDF, or a PNG where the
    material takes images only): what a plain ``accept`` needs."""
    for material in application.service.materials.filter(required=True):
        image = "pdf" not in (material.accepted_types or ["pdf"])
        services.attachment_upload(
            application_id=application.pk,
            user=uploader,
            material_code=material.code,
            upload=SimpleUploadedFile(
                f"{material.code}.{'png' if image else 'pdf'}", png_bytes() if image else pdf_bytes()
            ),
        )


def draft(applicant, *, code: str = SERVICE, talent_id: int | None = None) -> Application:
    return services.application_create(user=applicant, service_code=code, talent_id=talent_id)


def act(application_id: int, action: str, actor, **inputs: Any) -> Application:
    return services.application_act(
        application_id=application_id, action=action, actor=actor, inputs={**INPUTS.get(action, {}), **inputs}
    )


def drive(
    application: Application, status: str, *, applicant, staff: dict[str, Any], complete: bool = True
) -> Application:
    """Take ``application`` from draft to ``status`` through the engine's own actions; submitted with
    every required material unless ``complete=False`` (then a plain ``accept`` is refused).

    ``publicity`` has no row in the shared table (services add it): it is set directly from
    ``pending_approval``, as a service's own action would leave it."""
    if status == Status.PUBLICITY:
        drive(application, Status.PENDING_APPROVAL, applicant=applicant, staff=staff, complete=complete)
        Application.objects.filter(pk=application.pk).update(status=Status.PUBLICITY)
        return Application.objects.get(pk=application.pk)
    if complete and PATHS[status][:1] == [("submit", "applicant")]:
        upload_required(application, application.submitted_by)
    for action, who in PATHS[status]:
        if who == "system":
            # After a real commit the eager pre-check has run already; then this is a no-op.
            services.application_precheck(application_id=application.pk)
        else:
            act(application.pk, action, applicant if who == "applicant" else staff[who])
    application = Application.objects.get(pk=application.pk)
    assert application.status == status, (application.status, status)
    return application


def application_in(
    status: str, *, applicant=None, staff=None, code: str = SERVICE, complete: bool = True
) -> Application:
    staff = staff or staff_users()
    applicant = applicant or talent_user()
    return drive(draft(applicant, code=code), status, applicant=applicant, staff=staff, complete=complete)


# --- files -------------------------------------------------------------------------------------


def pdf_bytes(extra: bytes = b"") -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n" + extra + b"\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def exe_bytes() -> bytes:
    # A DOS/PE header: "MZ", then the PE offset pointing at "PE\0\0".
    head = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    head[0x3C:0x40] = struct.pack("<I", 0x80)
    return bytes(head.ljust(0x80, b"\x00")) + b"PE\x00\x00" + b"\x00" * 128


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "not a PDF")
    return buffer.getvalue()


def html_bytes() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def upload(client: APIClient, application_id: int, material: str, content: bytes, name: str = "doc.pdf"):
    return client.post(
        f"/api/v1/applications/{application_id}/attachments/",
        {"material": material, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def stored_files() -> set[str]:
    """Every file in the private storage the attachments use."""
    from pathlib import Path

    root = Path(Attachment._meta.get_field("file").storage.location)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# --- time --------------------------------------------------------------------------------------


@contextlib.contextmanager
def frozen_today(day: dt.date, *, hour: int = 10) -> Iterator[None]:
    """The services' and notifications' idea of "today" (``timezone.localdate``/``now``) is ``day``."""
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)
    clock = SimpleNamespace(
        localdate=lambda *args, **kwargs: day,
        now=lambda: moment,
        localtime=django_timezone.localtime,
        is_aware=django_timezone.is_aware,
        make_aware=django_timezone.make_aware,
    )
    with (
        mock.patch("apps.workflow.services.timezone", clock),
        mock.patch("apps.workflow.notifying.timezone", clock),
    ):
        yield


# --- "nothing changed" -------------------------------------------------------------------------


def snapshot(application_id: int) -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    return {
        "row": Application.objects.filter(pk=application_id).values().get(),
        "events": list(ApplicationEvent.objects.filter(application_id=application_id).values_list("pk", flat=True)),
        "attachments": list(Attachment.objects.filter(application_id=application_id).values_list("pk", flat=True)),
        "notifications": Notification.objects.count(),
        "deadline_notices": DeadlineNotice.objects.count(),
        "applications": Application.objects.count(),
    }


def user_actions() -> list[str]:
    """Every action a person may take somewhere in the shared table (system actions excluded)."""
    return sorted({t.action for t in engine.TABLE if engine.SYSTEM not in t.roles})


# --- transactional tests -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def database_left_as_migrated(django_db_blocker):
    """Leave the database as the migrations made it once a module of transactional tests is done.

    A transactional test ends with a flush; post_migrate then re-creates content types and
    permissions under new ids, and the project's ``_reference_data`` fixture replays the data
    migrations. That suits the next plain transactional test, but a following
    ``serialized_rollback`` test (tests/test_application_flow.py) reloads the rows serialized when
    the test database was created, ids included, and collides with the re-created ones. So: empty
    the tables without post_migrate and load those serialized rows back (only when a serialized
    copy exists, i.e. some test in the run asked for one)."""
    yield
    from django.core.management.color import no_style
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            # As TransactionTestCase flushes: sequences keep counting, so new rows never reuse an id.
            tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
            connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=False))
            connection.creation.deserialize_db_from_string(contents)
