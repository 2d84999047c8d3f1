"""/my/offers/: the talent's offers with rank and how many wait ahead, accept/decline behind a
confirmation, the lease and its renewal; nobody else's."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts import roles
from apps.apartments import services
from apps.apartments.models import Lease, Offer, RenewalRequest
from apps.workflow.tests import factories as f

from . import factories as af

pytestmark = pytest.mark.django_db


def _client(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


@pytest.fixture
def drawn():
    admin = af.admin()
    batch = af.batch(af.units(["2b", "1b"]), by=admin)
    people = af.pool(batch, [["2b", "1b"]] * 4)
    services.batch_freeze(batch_id=batch.pk, actor=admin)
    services.batch_draw(batch_id=batch.pk, actor=admin)
    batch.refresh_from_db()
    return batch, {app.number: account for account, app in people}


def test_the_talent_sees_their_offer_and_accepts_it(drawn):
    batch, accounts = drawn
    offer = Offer.objects.select_related("application", "unit__building").order_by("rank").first()
    me = _client(accounts[offer.application.number])
    page = me.get("/my/offers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(offer.unit) in html and "第 1 位" in html and "确认接受" in html
    assert offer.respond_by.isoformat() in html

    response = me.post(f"/my/offers/{offer.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == "/my/offers/"
    offer.refresh_from_db()
    assert offer.status == "accepted"
    lease = Lease.objects.get(offer=offer)
    assert "我的租约" in me.get("/my/offers/").content.decode()
    again = me.post(f"/my/offers/{offer.pk}/accept/", follow=True)
    assert "不能接受" in again.content.decode()
    response = me.post(
        f"/my/leases/{lease.pk}/renewal/", {"requested_end": str(lease.end.replace(year=lease.end.year + 1))}
    )
    assert response.status_code == 302 and RenewalRequest.objects.filter(lease=lease).count() == 1


def test_a_waiting_talent_sees_their_place(drawn):
    batch, accounts = drawn
    last = accounts[batch.ranking[-1]]
    html = _client(last).get("/my/offers/").content.decode()
    assert "轮候中" in html and f"第 {len(batch.ranking)} 位" in html


def test_nobody_else_answers_it(drawn, client):
    batch, accounts = drawn
    offer = Offer.objects.select_related("application").order_by("rank").first()
    other = next(a for n, a in accounts.items() if n != offer.application.number)
    assert _client(other).post(f"/my/offers/{offer.pk}/decline/").status_code == 404
    assert _client(f.hr_user(f.enterprise())).get("/my/offers/").status_code == 403
    assert _client(f.user(roles.INTAKE_CLERK)).post(f"/my/offers/{offer.pk}/accept/").status_code == 403
    response = client.get("/my/offers/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    offer.refresh_from_db()
    assert offer.status == "pending"


def test_the_page_has_a_query_budget(drawn, django_assert_max_num_queries):
    batch, accounts = drawn
    offer = Offer.objects.select_related("application").order_by("rank").first()
    me = _client(accounts[offer.application.number])
    me.get("/my/offers/")
    with django_assert_max_num_queries(16):
        assert me.get("/my/offers/").status_code == 200
