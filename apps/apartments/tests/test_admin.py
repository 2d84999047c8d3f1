"""The apartments in the admin: every changelist for staff within a query budget; the batch and offer
actions go through the services; citizens never get in."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts import roles
from apps.apartments import services
from apps.apartments.models import Batch, Lease, Offer, Unit
from apps.workflow.tests import factories as f

from . import factories as af

pytestmark = pytest.mark.django_db

PAGES = ["building", "unit", "batch", "draw", "offer", "lease", "renewalrequest"]


def _client(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


@pytest.fixture
def drawn():
    admin = af.admin()
    batch = af.batch(af.units(["2b", "2b", "1b"]), by=admin)
    af.pool(batch, [["2b", "1b"]] * 5)
    services.batch_freeze(batch_id=batch.pk, actor=admin)
    return admin, batch


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.DISTRICT_ADMIN])
def test_staff_read_every_changelist_in_a_bounded_number_of_queries(drawn, role, django_assert_max_num_queries):
    admin, batch = drawn
    services.batch_draw(batch_id=batch.pk, actor=admin)
    staff = _client(f.user(role))
    for page in PAGES:
        staff.get(f"/admin/apartments/{page}/")
        with django_assert_max_num_queries(14):
            assert staff.get(f"/admin/apartments/{page}/").status_code == 200, page
    assert staff.get(f"/admin/apartments/batch/{batch.pk}/change/").status_code == 200


def test_the_admin_freezes_and_draws_through_the_services(drawn):
    admin, batch = drawn
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.OPEN, manifest=[], manifest_sha256="")
    batch.entries.all().delete()
    page = _client(admin)
    page.post("/admin/apartments/batch/", {"action": "freeze", "_selected_action": [batch.pk]})
    page.post("/admin/apartments/batch/", {"action": "draw", "_selected_action": [batch.pk]})
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DRAWN and Offer.objects.filter(batch=batch).count() == 3
    # Drawing again is refused with a message, nothing changes.
    response = page.post("/admin/apartments/batch/", {"action": "draw", "_selected_action": [batch.pk]}, follow=True)
    assert "本批次已摇号" in response.content.decode()
    assert Offer.objects.filter(batch=batch).count() == 3

    offer = Offer.objects.order_by("rank").first()
    clerk = _client(f.user(roles.INTAKE_CLERK))
    clerk.post("/admin/apartments/offer/", {"action": "accept_at_counter", "_selected_action": [offer.pk]})
    offer.refresh_from_db()
    assert offer.status == "accepted" and Unit.objects.get(pk=offer.unit_id).status == Unit.Status.OCCUPIED
    lease = Lease.objects.get(offer=offer)
    clerk.post("/admin/apartments/lease/", {"action": "move_out", "_selected_action": [lease.pk]})
    lease.refresh_from_db()
    assert lease.status == "ended"


def test_a_clerk_may_not_draw_and_citizens_never_get_in(drawn):
    admin, batch = drawn
    _client(f.user(roles.INTAKE_CLERK)).post(
        "/admin/apartments/batch/", {"action": "draw", "_selected_action": [batch.pk]}
    )
    batch.refresh_from_db()
    assert batch.status == Batch.Status.FROZEN
    for role in (roles.TALENT, roles.ENTERPRISE_HR):
        response = _client(f.user(role)).get("/admin/apartments/unit/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_units_import_by_building_name_and_never_their_status():
    import tablib

    from apps.apartments.admin import UnitResource

    home = af.building("海珠创新湾")
    dataset = tablib.Dataset(headers=["building", "number", "layout", "area_m2", "rent", "furnished", "status"])
    dataset.append([home.name, "1201", "2b", "66.50", "2600.00", "1", "occupied"])
    dataset.append([home.name, "1202", "1b", "42.00", "1800.00", "1", "occupied"])
    result = UnitResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert list(Unit.objects.filter(building=home).order_by("number").values_list("number", "layout", "status")) == [
        ("1201", "2b", "available"),
        ("1202", "1b", "available"),
    ]
    exported = UnitResource().export()
    assert exported.headers[:3] == ["id", "building", "number"] and len(exported) == 2
