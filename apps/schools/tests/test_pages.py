"""The HR nominations page (/hr/nominations/) and the parent's result on /my/."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.enterprises.models import Quota
from apps.schools import services
from apps.schools.models import Nomination

from . import factories as f

pytestmark = pytest.mark.django_db
PAGE = "/hr/nominations/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(w, parent, n, **change):
    data = {
        "round": w.round.pk,
        "talent": parent.pk,
        "child_name": f"子女{n}",
        "child_id_number": f.child_id(n),
        "entry_grade": 1,
        "choice_1": w.schools[1].pk,
        "choice_2": w.schools[0].pk,
    }
    return {**data, **change}


def test_hr_nominates_through_the_page_and_sees_it_listed_masked():
    w = f.world()
    hr = _client(w.hr)
    page = hr.get(PAGE)
    assert page.status_code == 200
    assert w.parents[0].name in page.content.decode()  # the confirmed employees to choose from
    response = hr.post(PAGE, _form(w, w.parents[0], 1))
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert nomination.preferences == [w.schools[1].pk, w.schools[0].pk]
    html = hr.get(PAGE).content.decode()
    assert nomination.number in html and nomination.child_id_number_masked in html
    assert f.child_id(1) not in html


def test_bad_input_on_the_page_is_400_with_the_message_and_nothing_written():
    w = f.world()
    hr = _client(w.hr)
    response = hr.post(PAGE, _form(w, w.parents[0], 1, child_id_number="440105201901019999"))
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    response = hr.post(PAGE, _form(w, w.parents[0], 1, choice_2=w.schools[1].pk))  # the same school twice
    assert response.status_code == 400
    assert Nomination.objects.count() == 0
    assert Quota.objects.get(enterprise=w.enterprise, kind="school_place").used == 0


def test_withdraw_button_and_who_may_not_use_the_page():
    w = f.world()
    nomination = f.nominate(w, w.parents[0], 1)
    assert _client(w.parents[1].user).get(PAGE).status_code == 403
    assert _client(w.admin).get(PAGE).status_code == 403
    assert Client().get(PAGE).status_code == 302
    assert _client(w.other_hr).post(f"/hr/nominations/{nomination.pk}/withdraw/").status_code == 404
    assert _client(w.hr).post(f"/hr/nominations/{nomination.pk}/withdraw/").status_code == 302
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN


def test_the_parent_sees_the_assigned_school_or_the_reason_on_my_page():
    w = f.world(capacities=(1, 1))
    first, second = w.parents[0], w.parents[1]
    winner = f.verify(w, f.nominate(w, first, 1, preferences=[w.schools[0].pk]))
    f.verify(w, f.nominate(w, second, 2, preferences=[w.schools[0].pk]))
    services.round_run(round_id=w.round.pk, actor=w.admin)
    winner.refresh_from_db()
    loser = second if winner.status == Nomination.Status.ASSIGNED else first
    happy = first if loser is second else second
    html = _client(happy.user).get("/my/").content.decode()
    assert w.schools[0].name in html
    html = _client(loser.user).get("/my/").content.decode()
    assert "未获分配" in html and w.schools[0].name not in html
