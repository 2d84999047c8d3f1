"""The backup and restore of docs/operations.md, exercised: ``pg_dump -Fc`` of a database holding rows
written by the services, ``pg_restore`` into a fresh scratch database, the rows read back there —
personal data still encrypted at rest and readable with the same keys.

PostgreSQL only (marked ``postgres``: a failure, never a skip, under CI=true); the client tools must
be on PATH and of the server's major version (pg_dump refuses a newer server).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from urllib.parse import quote

import pytest
from django.db import connection

from apps.core import crypto
from apps.talents.services import talent_create
from apps.talents.tests.factories import resident_id
from apps.workflow.tests import factories as f
from apps.workflow.tests.factories import database_left_as_migrated  # noqa: F401 (a fixture)
from tests.faults import maintenance_connection

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("database_left_as_migrated"),
]


def database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgresql://{quote(db['USER'], safe='')}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )


def major(version_text: str) -> int:
    """``15.20 (Debian ...)`` (the server's) or ``pg_dump (PostgreSQL) 15.20 (Debian ...)`` (a tool's) → 15."""
    return int(re.search(r"(?:^|\(PostgreSQL\) )(\d+)", version_text.strip()).group(1))


def rows(cursor) -> dict[str, list[tuple]]:
    cursor.execute("SELECT username, email FROM accounts_user ORDER BY id")
    users = cursor.fetchall()
    cursor.execute("SELECT id, name, id_number, id_number_hash FROM talents_talent ORDER BY id")
    talents = cursor.fetchall()
    cursor.execute("SELECT id, number, status FROM workflow_application ORDER BY id")
    applications = cursor.fetchall()
    cursor.execute("SELECT application_id, action, from_status, to_status FROM workflow_applicationevent ORDER BY id")
    events = cursor.fetchall()
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations = cursor.fetchall()
    return {
        "users": users,
        "talents": talents,
        "applications": applications,
        "events": events,
        "migrations": migrations,
    }


def test_pg_dump_and_pg_restore_bring_back_every_row(tmp_path):
    for tool in ("pg_dump", "pg_restore"):
        assert shutil.which(tool), f"{tool} is not on PATH: install postgresql-client of the server's version"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = major(cursor.fetchone()[0])
    for tool in ("pg_dump", "pg_restore"):
        version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
        assert major(version) == server, f"{version.strip()} against server {server}"

    # given rows written by the services: accounts, a talent with a resident ID, a submitted application
    f.service()
    owner = f.talent_user()
    staff_entered = talent_create(actor=None, name="王芳", id_number=resident_id(4242))
    client = f.client_for(owner)
    application = f.draft(owner)
    assert f.upload(client, application.pk, "application_form", f.pdf_bytes()).status_code == 201
    assert client.post(f"/api/v1/applications/{application.pk}/actions/submit/", {}, format="json").status_code == 200
    with connection.cursor() as cursor:
        before = rows(cursor)
    assert len(before["applications"]) == 1 and len(before["talents"]) == 2 and before["events"]

    source = connection.settings_dict["NAME"]
    scratch = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "talentportal.dump"
    admin = maintenance_connection()
    try:
        # when it is dumped (custom format) and restored into a fresh database, as docs/operations.md says
        subprocess.run(
            ["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={database_url(source)}"],
            check=True,
            capture_output=True,
            timeout=300,
        )
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{scratch}"')
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={database_url(scratch)}", str(dump)],
            check=True,
            capture_output=True,
            timeout=300,
        )

        # then the restored database holds the same rows, at the same migration
        restored = connection.copy()
        restored.settings_dict["NAME"] = scratch
        try:
            with restored.cursor() as cursor:
                after = rows(cursor)
        finally:
            restored.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()

    assert after == before
    # the resident ID is still ciphertext at rest, and the same keys read it
    (restored_talent,) = [t for t in after["talents"] if t[0] == staff_entered.pk]
    assert restored_talent[2] != resident_id(4242)
    assert crypto.decrypt(restored_talent[2]) == resident_id(4242)
    assert restored_talent[3] == crypto.pii_hash(resident_id(4242))
