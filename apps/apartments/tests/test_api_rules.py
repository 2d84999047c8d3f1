"""Who may use each apartments endpoint, redraws, expiry, reminders and query budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts import roles
from apps.apartments import lottery, selectors, services, tasks
from apps.apartments.models import Batch, Draw, Lease, Offer, Unit
from apps.notifications.models import Notification
from apps.workflow.tests import factories as f

from . import factories as af

pytestmark = pytest.mark.django_db

API = "/api/v1/apartments"


def _drawn(layouts=("2b", "2b", "1b"), wants=None):
    admin = af.admin()
    batch = af.batch(af.units(list(layouts)), by=admin)
    people = af.pool(batch, wants or [["2b", "1b"]] * 5)
    services.batch_freeze(batch_id=batch.pk, actor=admin)
    services.batch_draw(batch_id=batch.pk, actor=admin)
    batch.refresh_from_db()
    return admin, batch, {app.number: account for account, app in people}


def _offer_and_owner(batch, accounts):
    offer = Offer.objects.filter(batch=batch, status="pending").select_related("application").order_by("rank").first()
    return offer, accounts[offer.application.number]


def test_anonymous_reads_batches_and_draws_only():
    _, batch, _ = _drawn()
    anonymous = f.client_for(None)
    assert anonymous.get(f"{API}/batches/").status_code == 200
    assert anonymous.get(f"{API}/batches/{batch.pk}/").status_code == 200
    assert anonymous.get(f"{API}/batches/{batch.pk}/draw/").status_code == 200
    assert anonymous.get(f"{API}/batches/999999/draw/").status_code == 404
    for path in ("units/", "offers/", "leases/", "occupancy/"):
        assert anonymous.get(f"{API}/{path}").status_code == 401, path
    for path in ("batches/", f"batches/{batch.pk}/freeze/", f"batches/{batch.pk}/draw/", f"batches/{batch.pk}/redraw/"):
        assert anonymous.post(f"{API}/{path}", {}, format="json").status_code == 401, path


@pytest.mark.parametrize("role", [roles.TALENT, roles.ENTERPRISE_HR, roles.INTAKE_CLERK, roles.APPROVER])
def test_only_a_district_admin_creates_freezes_draws_and_redraws(role):
    admin = af.admin()
    unit = af.units("1b")[0]
    batch = af.batch(af.units("2b"), by=admin)
    caller = f.client_for(f.user(role))
    body = {"name": "x", "opens_on": "2026-01-01", "closes_on": "2026-02-01", "units": [unit.pk]}
    assert caller.post(f"{API}/batches/", body, format="json").status_code == 403
    assert caller.post(f"{API}/batches/{batch.pk}/freeze/").status_code == 403
    assert caller.post(f"{API}/batches/{batch.pk}/draw/").status_code == 403
    assert caller.post(f"{API}/batches/{batch.pk}/redraw/", {"reason": "x"}, format="json").status_code == 403
    assert Batch.objects.count() == 1
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN
    assert Unit.objects.get(pk=unit.pk).status == Unit.Status.AVAILABLE


def test_talents_and_hr_may_not_use_the_staff_lists():
    talent = f.client_for(af.eligible_talent())
    hr = f.client_for(f.hr_user(f.enterprise()))
    for path in ("units/", "occupancy/"):
        assert talent.get(f"{API}/{path}").status_code == 403
        assert hr.get(f"{API}/{path}").status_code == 403
    assert hr.get(f"{API}/offers/").status_code == 403
    assert hr.get(f"{API}/leases/").status_code == 403
    clerk = f.client_for(f.user(roles.INTAKE_CLERK))
    assert clerk.get(f"{API}/units/?status=reserved&layout=2b").status_code == 200
    assert clerk.get(f"{API}/units/?status=nonsense").status_code == 400


def test_an_offer_is_answered_by_its_talent_only():
    _, batch, accounts = _drawn()
    offer, owner = _offer_and_owner(batch, accounts)
    other = next(a for a in accounts.values() if a != owner)
    stranger = f.client_for(other)
    assert stranger.post(f"{API}/offers/{offer.pk}/accept/").status_code == 404
    assert stranger.post(f"{API}/offers/{offer.pk}/decline/").status_code == 404
    assert all(o["id"] != offer.pk for o in stranger.get(f"{API}/offers/").json()["results"])
    clerk = f.client_for(f.user(roles.INTAKE_CLERK))
    assert clerk.post(f"{API}/offers/{offer.pk}/accept/").status_code == 403
    assert f.client_for(f.hr_user(f.enterprise())).post(f"{API}/offers/{offer.pk}/accept/").status_code == 404
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
    assert not Lease.objects.exists()
    staff_view = clerk.get(f"{API}/offers/").json()
    assert staff_view["count"] == Offer.objects.count()


def test_a_lease_is_renewed_by_its_tenant_and_moved_out_by_staff():
    _, batch, accounts = _drawn()
    offer, owner = _offer_and_owner(batch, accounts)
    services.offer_accept(offer_id=offer.pk, user=owner)
    lease = Lease.objects.get(offer=offer)
    other = f.client_for(next(a for a in accounts.values() if a != owner))
    end = str(lease.end + dt.timedelta(days=30))
    assert other.post(f"{API}/leases/{lease.pk}/renewal/", {"requested_end": end}, format="json").status_code == 404
    assert other.post(f"{API}/leases/{lease.pk}/move-out/").status_code == 403
    assert (
        f.client_for(owner)
        .post(f"{API}/leases/{lease.pk}/renewal/", {"requested_end": "soon"}, format="json")
        .status_code
        == 400
    )
    mine = f.client_for(owner).post(f"{API}/leases/{lease.pk}/renewal/", {"requested_end": end}, format="json")
    assert mine.status_code == 201
    again = f.client_for(owner).post(f"{API}/leases/{lease.pk}/renewal/", {"requested_end": end}, format="json")
    assert again.status_code == 409
    clerk = f.client_for(f.user(roles.INTAKE_CLERK))
    assert (
        f.client_for(owner)
        .post(f"{API}/renewals/{mine.json()['id']}/decide/", {"approve": True}, format="json")
        .status_code
        == 403
    )
    decided = clerk.post(f"{API}/renewals/{mine.json()['id']}/decide/", {"approve": True}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    lease.refresh_from_db()
    assert str(lease.end) == end


def test_a_redraw_keeps_the_old_draw_public_and_commits_to_a_new_seed():
    admin, batch, accounts = _drawn()
    old_seed, old_commitment, old_ranking = batch.seed_hex, batch.commitment, batch.ranking
    api = f.client_for(admin)
    assert api.post(f"{API}/batches/{batch.pk}/redraw/", {}, format="json").status_code == 400
    response = api.post(f"{API}/batches/{batch.pk}/redraw/", {"reason": "摇号现场公证员未到场"}, format="json")
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.status == Batch.Status.FROZEN and batch.commitment != old_commitment
    assert response.json()["commitment"] == batch.commitment == lottery.commitment(batch.seed_hex)
    assert not Offer.objects.filter(status="pending").exists()
    assert Offer.objects.filter(status="voided").count() == 3
    public = f.client_for(None).get(f"{API}/batches/{batch.pk}/draw/").json()
    assert public["seed_hex"] is None and public["redraws"] == 1
    previous = public["previous_draws"][0]
    assert (previous["reason"], previous["seed_hex"], previous["commitment"], previous["ranking"]) == (
        "摇号现场公证员未到场",
        old_seed,
        old_commitment,
        old_ranking,
    )
    assert api.post(f"{API}/batches/{batch.pk}/draw/").status_code == 200
    batch.refresh_from_db()
    assert batch.draw_round == 2 and Offer.objects.filter(status="pending", draw_round=2).count() == 3
    # Once someone accepted, no redraw.
    offer, owner = _offer_and_owner(batch, accounts)
    services.offer_accept(offer_id=offer.pk, user=owner)
    assert api.post(f"{API}/batches/{batch.pk}/redraw/", {"reason": "again"}, format="json").status_code == 409
    assert Draw.objects.count() == 1


def test_expiry_passes_the_unit_on_and_is_idempotent():
    _, batch, accounts = _drawn()
    pending = list(Offer.objects.filter(status="pending"))
    late = max(o.respond_by for o in pending) + dt.timedelta(days=1)
    assert services.offers_expire_due(today=late) == 3
    assert services.offers_expire_due(today=late) == 0
    assert Offer.objects.filter(status="expired").count() == 3
    # the two waiting applicants got two of the three units; the third returned to the stock
    assert Offer.objects.filter(status="pending").count() == 2
    assert Unit.objects.filter(status=Unit.Status.AVAILABLE).count() == 1
    assert tasks.offers_expire_due() == 0  # nothing overdue today


def test_reminders_are_sent_once():
    _, batch, accounts = _drawn()
    offer = Offer.objects.filter(status="pending").first()
    before = Notification.objects.filter(kind="apartment.offer_reminder").count()
    assert services.offers_remind(today=offer.respond_by) >= 1
    assert services.offers_remind(today=offer.respond_by) == 0
    assert Notification.objects.filter(kind="apartment.offer_reminder").count() > before
    services.offer_accept(offer_id=offer.pk, user=accounts[offer.application.number])
    lease = Lease.objects.get(offer=offer)
    assert services.leases_remind_expiring(today=lease.end - dt.timedelta(days=10)) == 1
    assert services.leases_remind_expiring(today=lease.end - dt.timedelta(days=10)) == 0
    assert Notification.objects.filter(kind="apartment.lease_expiring").count() == 1


def test_offers_say_how_many_wait_ahead():
    _, batch, accounts = _drawn(layouts=("2b",), wants=[["2b"]] * 4)
    first, owner = _offer_and_owner(batch, accounts)
    services.offer_decline(offer_id=first.pk, user=owner)
    heir = Offer.objects.get(status="pending")
    assert heir.rank == 2
    assert selectors.ahead_by_offer([heir]) == {heir.pk: 0}
    waiting = selectors.waiting_for(accounts[batch.ranking[3]])
    assert [(w["layout"], w["rank"], w["ahead"]) for w in waiting] == [("2b", 4, 1)]


def test_list_queries_do_not_grow_with_the_page(django_assert_max_num_queries):
    admin, batch, accounts = _drawn(layouts=("2b",) * 3 + ("1b",) * 3, wants=[["2b", "1b"]] * 8)
    clerk = f.client_for(f.user(roles.INTAKE_CLERK))
    for path in ("units/", "offers/", "batches/", "leases/"):
        clerk.get(f"{API}/{path}")
        with django_assert_max_num_queries(9) as few:
            assert clerk.get(f"{API}/{path}?page_size=2").status_code == 200
        with django_assert_max_num_queries(9) as many:
            assert clerk.get(f"{API}/{path}?page_size=50").status_code == 200
        assert len(many.captured_queries) == len(few.captured_queries), path
    af.batch(af.units(["3b", "3b"]), by=admin)
    with django_assert_max_num_queries(9):
        assert f.client_for(None).get(f"{API}/batches/").status_code == 200
    assert timezone.localdate()
