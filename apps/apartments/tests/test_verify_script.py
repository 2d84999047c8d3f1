"""``scripts/verify_apartment_draw.py`` against the portal itself: a batch drawn through the services,
read over HTTP from a live server by the script in a separate process, as an applicant would.

The batch: six units (two 1b, three 2b, one 3b), ten approved applications, a points rule under which
the three academicians score 20 and everyone else 0 (so most places are decided by the seeded key).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from apps.accounts import roles
from apps.apartments import lottery, services
from apps.apartments.models import Batch, Building, Unit
from apps.talents.tests.factories import TalentFactory, hold
from apps.workflow.models import Application, ServiceDefinition
from apps.workflow.states import Status

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify_apartment_draw.py"
WANTS = [["2b", "1b"], ["1b"], ["3b", "2b"], ["2b"], ["2b", "3b", "1b"]]


def run_verifier(url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), url], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def drawn_batch(transactional_db, make_user):
    admin = make_user(roles.DISTRICT_ADMIN)
    account = make_user(roles.TALENT)
    building = Building.objects.create(name="琶洲人才公寓A栋", address="海珠区琶洲大道1号")
    layouts = ["1b", "1b", "2b", "2b", "2b", "3b"]
    unit_ids = [
        Unit.objects.create(
            building=building, number=f"{i + 1:02d}01", layout=layout, area_m2=Decimal("45.00"), rent=Decimal("1800.00")
        ).pk
        for i, layout in enumerate(layouts)
    ]
    today = timezone.localdate()
    batch = services.batch_create(
        actor=admin,
        name="2026年第一批",
        opens_on=today.isoformat(),
        closes_on=(today + dt.timedelta(days=10)).isoformat(),
        units=unit_ids,
        points_rule={"category_levels": {"1": 20}},
    )
    service, _ = ServiceDefinition.objects.get_or_create(code="apartment", defaults={"name": "人才公寓"})
    for n in range(10):
        talent = TalentFactory()
        if n % 3 == 0:
            hold(talent, "academician")
        Application.objects.create(
            number=f"HZAPT2026{n:05d}",
            service=service,
            applicant=talent,
            submitted_by=account,
            status=Status.APPROVED,
            data={"batch": batch.pk, "layouts": WANTS[n % len(WANTS)]},
        )
    services.batch_freeze(batch_id=batch.pk, actor=admin)
    services.batch_draw(batch_id=batch.pk, actor=admin)
    return admin, Batch.objects.get(pk=batch.pk)


def draw_url(live_server, batch: Batch) -> str:
    return f"{live_server.url}/api/v1/apartments/batches/{batch.pk}/draw/"


def test_verifier_reproduces_a_drawn_batch(live_server, drawn_batch):
    _, batch = drawn_batch
    scores = {entry["number"]: entry["score"] for entry in batch.manifest}
    assert sorted(set(scores.values())) == [0, 20]  # the points rule was applied, so ranking mixes both orders
    assert batch.ranking == lottery.rank(batch.manifest, batch.seed_hex)

    result = run_verifier(draw_url(live_server, batch))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"OK  commitment {batch.commitment}" in result.stdout
    assert "OK  ranking of 10 recomputed" in result.stdout
    assert "6 of 6 units to 10 applicants" in result.stdout
    assert "everything matches" in result.stdout


def test_verifier_checks_the_current_and_the_previous_draw_after_a_redraw(live_server, drawn_batch):
    admin, batch = drawn_batch
    first_commitment, first_ranking = batch.commitment, batch.ranking
    services.batch_redraw(batch_id=batch.pk, actor=admin, reason="公证员未到场，依规重新摇号")
    services.batch_draw(batch_id=batch.pk, actor=admin)
    batch.refresh_from_db()
    assert batch.commitment != first_commitment

    result = run_verifier(draw_url(live_server, batch))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"OK  commitment {batch.commitment}" in result.stdout
    assert "previous draw 1 (replaced by a redraw; reason: '公证员未到场，依规重新摇号')" in result.stdout
    assert f"OK  commitment {first_commitment}" in result.stdout
    assert result.stdout.count("OK  allocation recomputed") == 2
    assert first_ranking != batch.ranking or first_commitment != batch.commitment


def test_verifier_fails_on_a_stored_allocation_that_breaks_the_rule(live_server, drawn_batch):
    _, batch = drawn_batch
    housed = [number for number in batch.ranking if batch.allocation[number] is not None]
    tampered = dict(batch.allocation)
    tampered[housed[0]], tampered[housed[-1]] = tampered[housed[-1]], tampered[housed[0]]
    Batch.objects.filter(pk=batch.pk).update(allocation=tampered)

    result = run_verifier(draw_url(live_server, batch))

    assert result.returncode == 1
    assert result.stdout.splitlines()[-1].startswith(f"FAILED: current draw: allocation: {housed[0]} should get")


def test_verifier_fails_before_the_draw(live_server, transactional_db, make_user):
    admin = make_user(roles.DISTRICT_ADMIN)
    building = Building.objects.create(name="海珠人才公寓B栋")
    unit = Unit.objects.create(
        building=building, number="0101", layout="1b", area_m2=Decimal("40"), rent=Decimal("1500")
    )
    today = timezone.localdate()
    batch = services.batch_create(
        actor=admin, name="第二批", opens_on=today.isoformat(), closes_on=today.isoformat(), units=[unit.pk]
    )

    result = run_verifier(draw_url(live_server, batch))

    assert result.returncode == 1
    assert "not revealed yet" in result.stdout


# The demo modules the apartments demo builds on (accounts, employers, talents), then its own: the
# seeded first batch is drawn through the services as seed_demo does it, without the slow rest.
SEED_MODULES = ["apps.accounts.demo", "apps.enterprises.demo", "apps.talents.demo", "apps.apartments.demo"]


@pytest.mark.django_db
def test_verifier_reproduces_the_seeded_batch(tmp_path):
    from importlib import import_module
    from io import StringIO

    from rest_framework.test import APIClient

    from apps.notifications.services import deliveries_suppressed

    with deliveries_suppressed():
        for module in SEED_MODULES:
            import_module(module).seed(stdout=StringIO())
    drawn = list(Batch.objects.filter(status=Batch.Status.DRAWN).order_by("pk"))
    assert drawn, "the demo draws its first batch"
    for batch in drawn:
        response = APIClient().get(f"/api/v1/apartments/batches/{batch.pk}/draw/")
        assert response.status_code == 200
        saved = tmp_path / f"draw-{batch.pk}.json"
        saved.write_bytes(response.content)

        result = run_verifier(str(saved))

        assert result.returncode == 0, result.stdout + result.stderr
        assert f"OK  ranking of {len(batch.ranking)} recomputed" in result.stdout
        assert len(batch.ranking) >= 50
