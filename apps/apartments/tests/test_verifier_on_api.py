"""The repository's standard-library verifier reproduces a draw served by the API, with a redraw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from apps.apartments import services
from apps.workflow.tests import factories as f

from . import factories as af

pytestmark = pytest.mark.django_db

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "verify_apartment_draw.py"


def _verify(tmp_path: Path, body: dict) -> subprocess.CompletedProcess:
    saved = tmp_path / "draw.json"
    saved.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([sys.executable, str(SCRIPT), str(saved)], capture_output=True, text=True, timeout=60)


def test_the_verifier_accepts_the_served_draw_and_refuses_a_forged_one(tmp_path):
    admin = af.admin()
    batch = af.batch(af.units(["1b", "2b", "2b", "3b"]), by=admin)
    af.pool(batch, [["2b", "1b"], ["3b"], ["2b"], ["1b", "3b"], ["2b", "3b"], ["2b"]])
    services.batch_freeze(batch_id=batch.pk, actor=admin)
    services.batch_draw(batch_id=batch.pk, actor=admin)
    services.batch_redraw(batch_id=batch.pk, actor=admin, reason="公证处要求重新摇号")
    services.batch_draw(batch_id=batch.pk, actor=admin)
    body = f.client_for(None).get(f"/api/v1/apartments/batches/{batch.pk}/draw/").json()
    assert body["redraws"] == 1

    result = _verify(tmp_path, body)
    assert result.returncode == 0, result.stdout + result.stderr

    forged = dict(body, ranking=list(reversed(body["ranking"])))
    assert _verify(tmp_path, forged).returncode == 1
