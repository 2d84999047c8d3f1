"""The whole path through the API: batch → applications → freeze → draw → offers → decline →
waitlist offer → lease → move-out; and the 400/409s the issue names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts import roles
from apps.apartments import lottery
from apps.apartments.models import Batch, Lease, Offer, Unit
from apps.workflow.models import Application
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

from . import factories as af

pytestmark = pytest.mark.django_db

API = "/api/v1/apartments"


@pytest.fixture
def staff():
    return f.staff_users()


def _apply(account, body) -> tuple[int, dict]:
    response = f.client_for(account).post("/api/v1/applications/", {"service": "apartment", **body}, format="json")
    return response.status_code, response.json()


def test_batch_to_move_out_through_the_api(staff):
    admin = staff[roles.DISTRICT_ADMIN]
    two_b, other_two_b, one_b = af.units(["2b", "2b", "1b"])
    api = f.client_for(admin)

    # A district admin releases the units: the commitment is public, the seed is not.
    response = api.post(
        f"{API}/batches/",
        {
            "name": "2026年第一批人才公寓",
            "opens_on": str(timezone.localdate()),
            "closes_on": str(timezone.localdate() + dt.timedelta(days=30)),
            "units": [two_b.pk, other_two_b.pk, one_b.pk],
            "eligible_categories": ["postdoc"],
            "points_rule": {"category_levels": {"1": 60, "5": 30}, "key_enterprise": 20},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    batch = Batch.objects.get(pk=created["id"])
    assert created["commitment"] == lottery.commitment(batch.seed_hex)
    assert "seed_hex" not in created and batch.seed_hex not in response.content.decode()
    assert created["layouts"] == [{"layout": "1b", "units": 1}, {"layout": "2b", "units": 2}]
    assert set(Unit.objects.values_list("status", flat=True)) == {Unit.Status.RESERVED}
    public = f.client_for(None).get(f"{API}/batches/{batch.pk}/draw/").json()
    assert public["seed_hex"] is None and batch.seed_hex not in str(public)

    # A talent applies through the workflow: wanted layouts, best first; approved = in the pool.
    employer = f.enterprise()
    first = af.eligible_talent(employer, name="陈一")
    assert _apply(first, {"data": {"batch": batch.pk, "layouts": ["3b"]}}) == (
        400,
        {"layouts": ["本批次没有这些户型：3b（可选：1b, 2b）"]},
    )
    assert _apply(first, {"data": {"batch": batch.pk, "layouts": ["2b", "2b"]}})[0] == 400
    assert _apply(first, {"data": {"batch": 999999, "layouts": ["2b"]}})[0] == 400
    status, body = _apply(first, {"data": {"batch": batch.pk, "layouts": ["2b", "1b"]}})
    assert status == 201, body
    application = f.drive(Application.objects.get(pk=body["id"]), Status.APPROVED, applicant=first, staff=staff)
    # The others of the pool, approved.
    others = [(a, app) for a, app in af.pool(batch, [["2b", "1b"], ["2b", "1b"], ["2b"], ["1b", "2b"]])]
    numbers = {application.number, *(app.number for _, app in others)}

    # Freeze: the manifest and its hash.
    response = api.post(f"{API}/batches/{batch.pk}/freeze/")
    assert response.status_code == 200, response.json()
    batch.refresh_from_db()
    assert [e["number"] for e in batch.manifest] == sorted(numbers)
    assert response.json()["manifest_sha256"] == lottery.manifest_sha256(batch.manifest)
    # Frozen: nobody can apply any more.
    late = af.eligible_talent(employer, name="迟到")
    assert _apply(late, {"data": {"batch": batch.pk, "layouts": ["2b"]}})[0] == 409

    # Draw: anyone recomputes the ranking and allocation from the public endpoint.
    response = api.post(f"{API}/batches/{batch.pk}/draw/")
    assert response.status_code == 200, response.json()
    assert api.post(f"{API}/batches/{batch.pk}/draw/").status_code == 409
    draw = f.client_for(None).get(f"{API}/batches/{batch.pk}/draw/").json()
    assert lottery.commitment(draw["seed_hex"]) == draw["commitment"] == created["commitment"]
    assert lottery.manifest_sha256(draw["manifest"]) == draw["manifest_sha256"]
    ranking = lottery.rank(draw["manifest"], draw["seed_hex"])
    assert ranking == draw["ranking"] and sorted(ranking) == sorted(numbers)
    allocation, waitlists = lottery.allocate(
        ranking, draw["preferences"], {u["id"]: u["layout"] for u in draw["units"]}
    )
    assert {k: v for k, v in allocation.items()} == draw["allocation"]
    assert waitlists == draw["waitlists"]
    offered = {n for n, unit in draw["allocation"].items() if unit is not None}
    assert len(offered) == 3
    assert Offer.objects.filter(status=Offer.Status.PENDING).count() == 3

    by_number = {application.number: first, **{app.number: a for a, app in others}}
    # The top-ranked declines: its unit goes to the first waiting applicant who wants that layout.
    top = Offer.objects.get(application__number=ranking[0])
    top_client = f.client_for(by_number[ranking[0]])
    listed = top_client.get(f"{API}/offers/").json()
    assert [o["id"] for o in listed["results"]] == [top.pk]
    assert listed["results"][0]["rank"] == 1 and listed["results"][0]["ahead"] == 0
    response = top_client.post(f"{API}/offers/{top.pk}/decline/")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert top_client.post(f"{API}/offers/{top.pk}/decline/").status_code == 409
    waiting = waitlists[top.unit.layout]
    assert waiting, "the pool is larger than the batch: someone waits"
    heir = Offer.objects.get(unit=top.unit, status=Offer.Status.PENDING)
    assert heir.application.number == waiting[0]
    assert heir.rank == ranking.index(waiting[0]) + 1

    # The heir accepts: a lease, the unit occupied.
    heir_client = f.client_for(by_number[heir.application.number])
    response = heir_client.post(f"{API}/offers/{heir.pk}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    lease = Lease.objects.get(offer=heir)
    assert (lease.unit_id, lease.status, lease.rent) == (top.unit_id, Lease.Status.CURRENT, top.unit.rent)
    assert Unit.objects.get(pk=top.unit_id).status == Unit.Status.OCCUPIED
    leases = heir_client.get(f"{API}/leases/").json()
    assert [row["id"] for row in leases["results"]] == [lease.pk]

    # Renewal before expiry, within the maximum term.
    response = heir_client.post(
        f"{API}/leases/{lease.pk}/renewal/", {"requested_end": str(lease.end + dt.timedelta(days=365))}, format="json"
    )
    assert response.status_code == 201, response.json()
    too_long = heir_client.post(
        f"{API}/leases/{lease.pk}/renewal/",
        {"requested_end": str(lease.start.replace(year=lease.start.year + 9))},
        format="json",
    )
    assert too_long.status_code == 400 and "requested_end" in too_long.json()

    # Move-out (staff): the unit is offered to the next on the waitlist, or returns to stock.
    assert heir_client.post(f"{API}/leases/{lease.pk}/move-out/").status_code == 403
    next_waiting = [n for n in waiting[1:] if not Offer.objects.filter(application__number=n).exists()]
    response = api.post(f"{API}/leases/{lease.pk}/move-out/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "ended"
    unit = Unit.objects.get(pk=top.unit_id)
    if next_waiting:
        assert Offer.objects.get(unit=unit, status=Offer.Status.PENDING).application.number == next_waiting[0]
        assert unit.status == Unit.Status.OFFERED
    else:
        assert unit.status == Unit.Status.AVAILABLE
    assert api.post(f"{API}/leases/{lease.pk}/move-out/", {}, format="json").status_code == 409

    occupancy = api.get(f"{API}/occupancy/").json()
    assert occupancy["units_total"] == 3
    assert sum(occupancy["units_by_status"].values()) == 3


def test_an_unavailable_unit_cannot_join_a_new_batch():
    admin = af.admin()
    free, taken = af.units(["1b", "2b"])
    af.batch([taken], by=admin)
    response = f.client_for(admin).post(
        f"{API}/batches/",
        {"name": "第二批", "opens_on": "2026-01-01", "closes_on": "2026-02-01", "units": [free.pk, taken.pk]},
        format="json",
    )
    assert response.status_code == 409
    assert str(taken.pk) in response.json()["units"][0]
    assert Batch.objects.count() == 1
    assert Unit.objects.get(pk=free.pk).status == Unit.Status.AVAILABLE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "opens_on": "2026-01-01", "closes_on": "2026-02-01", "units": [1]}, "name"),
        ({"name": "x", "opens_on": "2026-13-01", "closes_on": "2026-02-01", "units": [1]}, "opens_on"),
        ({"name": "x", "opens_on": "2026-03-01", "closes_on": "2026-02-01", "units": [1]}, "closes_on"),
        ({"name": "x", "opens_on": "2026-01-01", "closes_on": "2026-02-01", "units": []}, "units"),
        ({"name": "x", "opens_on": "2026-01-01", "closes_on": "2026-02-01", "units": [987654]}, "units"),
        (
            {
                "name": "x",
                "opens_on": "2026-01-01",
                "closes_on": "2026-02-01",
                "units": [1],
                "eligible_categories": ["nope"],
            },
            "eligible_categories",
        ),
        (
            {
                "name": "x",
                "opens_on": "2026-01-01",
                "closes_on": "2026-02-01",
                "units": [1],
                "points_rule": {"bonus": 5},
            },
            "points_rule",
        ),
        (
            {
                "name": "x",
                "opens_on": "2026-01-01",
                "closes_on": "2026-02-01",
                "units": [1],
                "points_rule": {"key_enterprise": -1},
            },
            "points_rule",
        ),
    ],
)
def test_bad_batch_input_is_400_naming_the_field_and_changes_nothing(body, field):
    admin = af.admin()
    response = f.client_for(admin).post(f"{API}/batches/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Batch.objects.count() == 0


def test_a_batch_not_open_refuses_applications_and_submission_needs_the_fields():
    unit_list = af.units(["1b"])
    batch = af.batch(unit_list)
    account = af.eligible_talent()
    status, body = _apply(account, {"data": {}})
    assert status == 201  # a draft may wait for its fields
    response = f.client_for(account).post(f"/api/v1/applications/{body['id']}/actions/submit/", {}, format="json")
    assert response.status_code == 400 and "batch" in response.json()
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.FROZEN)
    assert _apply(account, {"data": {"batch": batch.pk, "layouts": ["1b"]}})[0] == 409


def test_submission_needs_a_confirmed_employer_and_no_current_lease():
    batch = af.batch(af.units(["1b"]))
    account = f.talent_user(name="无单位")
    from apps.talents.models import Talent
    from apps.talents.tests.factories import hold

    hold(Talent.objects.get(user=account), "postdoc")
    status, body = _apply(account, {"data": {"batch": batch.pk, "layouts": ["1b"]}})
    assert status == 201
    response = f.client_for(account).post(f"/api/v1/applications/{body['id']}/actions/submit/", {}, format="json")
    assert response.status_code == 400 and "employer" in response.json()
    assert Application.objects.get(pk=body["id"]).status == Status.DRAFT
