"""``/api/v1/schools/``: the whole path through the API, its 400/409s and who may NOT use it."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from apps.accounts import roles
from apps.enterprises.models import Quota
from apps.notifications.models import Notification
from apps.schools import matching
from apps.schools.models import Nomination, Round
from apps.workflow.models import Application
from apps.workflow.tests.factories import client_for, upload_required

from . import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/schools/"


def _body(w, parent, n, **change):
    return {
        "round": w.round.pk,
        "talent": parent.pk,
        "child_name": f"子女{n}",
        "child_id_number": f.child_id(n),
        "entry_grade": 1,
        "preferences": [s.pk for s in w.schools],
        **change,
    }


def _verify_through_api(w, application_id: int) -> None:
    clerk, reviewer, approver = (client_for(w.staff[r]) for r in (roles.INTAKE_CLERK, roles.REVIEWER, roles.APPROVER))
    from apps.workflow.services import application_precheck

    application_precheck(application_id=application_id)
    application = Application.objects.get(pk=application_id)
    required = list(application.service.materials.filter(required=True).values_list("code", flat=True))
    actions = f"/api/v1/applications/{application_id}/actions/"
    r = clerk.post(
        f"{actions}accept_with_missing/", {"missing_materials": required, "supplement_days": 5}, format="json"
    )
    assert r.status_code == 200, r.content
    upload_required(application, w.hr)
    assert reviewer.post(f"{actions}recommend/", {}, format="json").status_code == 200
    assert approver.post(f"{actions}approve/", {}, format="json").status_code == 200


def test_round_nominations_verification_run_results_through_the_api():
    w = f.world(capacities=(1, 1), parents=3)
    admin, hr = client_for(w.admin), client_for(w.hr)
    a, b = f.school(), f.school()
    today = timezone.localdate()
    r = admin.post(
        f"{URL}rounds/",
        {
            "year": today.year,
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=5)).isoformat(),
            "seats": [{"school": a.pk, "capacity": 1}, {"school": b.pk, "capacity": 1}],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    round_id, commitment = r.json()["id"], r.json()["commitment"]
    assert r.json()["status"] == "open" and r.json()["seed_hex"] is None
    assert [(s["school"], s["capacity"], s["assigned"]) for s in r.json()["seats"]] == [(a.pk, 1, 0), (b.pk, 1, 0)]

    numbers = []
    for n, parent in enumerate(w.parents, 1):
        r = hr.post(f"{URL}nominations/", _body(w, parent, n, round=round_id, preferences=[a.pk, b.pk]), format="json")
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["number"].startswith(f"SP{today.year}") and body["status"] == "nominated"
        assert body["child_id_number_masked"] != f.child_id(n) and "*" in body["child_id_number_masked"]
        assert "child_id_number" not in body
        numbers.append(body["number"])
        _verify_through_api(w, body["application"])
    assert Quota.objects.get(enterprise=w.enterprise, kind="school_place").used == 3

    listed = hr.get(f"{URL}nominations/", {"round": round_id}).json()
    assert listed["count"] == 3 and {n["status"] for n in listed["results"]} == {"approved"}

    r = admin.post(f"{URL}rounds/{round_id}/run/")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "run"
    assert admin.post(f"{URL}rounds/{round_id}/run/").status_code == 409

    record = hr.get(f"{URL}rounds/{round_id}/assignment/").json()
    assert record["commitment"] == commitment == hashlib.sha256(record["seed_hex"].encode()).hexdigest()
    assert sorted(s["number"] for s in record["students"]) == sorted(numbers)
    students = [matching.Student(s["number"], s["priority"], tuple(s["preferences"])) for s in record["students"]]
    capacities = {s["id"]: s["capacity"] for s in record["schools"]}
    # Reproducible from the published seed: the recomputed assignment is the stored one.
    assert matching.deferred_acceptance(students, capacities, record["seed_hex"]) == record["assignment"]
    assert matching.check_assignment(students, capacities, record["seed_hex"], record["assignment"]) == []
    stored = {n.number: n.assigned_school_id for n in Nomination.objects.filter(round_id=round_id)}
    assert stored == record["assignment"]
    assert sorted(v for v in stored.values() if v) == sorted([a.pk, b.pk])

    results = hr.get(f"{URL}nominations/", {"round": round_id}).json()["results"]
    assert sorted(n["status"] for n in results) == ["assigned", "assigned", "unassigned"]
    unassigned = next(n for n in results if n["status"] == "unassigned")
    assert unassigned["assigned_school"] is None and unassigned["unassigned_reason"]

    detail = admin.get(f"{URL}rounds/{round_id}/").json()
    assert detail["figures"]["participants"] == 3
    assert detail["figures"]["unassigned_share"] == 33.3
    assert [s["left"] for s in detail["figures"]["seats_left"]] == [0, 0]
    # HR sees its own quota only in the figures.
    hr_quota = hr.get(f"{URL}rounds/{round_id}/").json()["figures"]["quota_used"]
    assert [q["enterprise"] for q in hr_quota] == [w.enterprise.pk]

    # The parents and the HR user are told.
    for parent in w.parents:
        assert Notification.objects.filter(recipient=parent.user, kind="school_place.result").count() == 1
    assert Notification.objects.filter(recipient=w.hr, kind="school_place.round_results").count() == 1

    overview = admin.get("/api/v1/stats/overview/").json()
    assert overview["schools"]["assigned"] == 2 and overview["schools"]["unassigned"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"child_id_number": "440105201901019999"}, "child_id_number"),
        ({"child_id_number": "not an id"}, "child_id_number"),
        ({"preferences": [999_999]}, "preferences"),
        ({"preferences": "dup"}, "preferences"),
        ({"entry_grade": 0}, "entry_grade"),
        ({"round": "x"}, "round"),
    ],
)
def test_nomination_400s_name_the_field(change, field):
    w = f.world()
    if change.get("preferences") == "dup":
        change = {"preferences": [w.schools[0].pk, w.schools[0].pk]}
    r = client_for(w.hr).post(f"{URL}nominations/", _body(w, w.parents[0], 1, **change), format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()
    assert Nomination.objects.count() == 0


def test_parent_of_another_enterprise_is_400_on_talent():
    w = f.world()
    stranger = f.employee(w.other_enterprise)
    r = client_for(w.hr).post(f"{URL}nominations/", _body(w, stranger, 1), format="json")
    assert r.status_code == 400 and list(r.json()) == ["talent"]


def test_nomination_409s():
    w = f.world(quota_total=2)
    hr = client_for(w.hr)
    assert hr.post(f"{URL}nominations/", _body(w, w.parents[0], 1), format="json").status_code == 201
    # The same child again, for another parent of the enterprise.
    assert hr.post(f"{URL}nominations/", _body(w, w.parents[1], 1), format="json").status_code == 409
    assert hr.post(f"{URL}nominations/", _body(w, w.parents[1], 2), format="json").status_code == 201
    r = hr.post(f"{URL}nominations/", _body(w, w.parents[2], 3), format="json")
    assert r.status_code == 409 and "detail" in r.json()
    assert Nomination.objects.count() == 2


def test_withdraw_through_the_api():
    w = f.world()
    nomination = f.nominate(w, w.parents[0], 1)
    assert client_for(w.other_hr).post(f"{URL}nominations/{nomination.pk}/withdraw/").status_code == 404
    assert client_for(w.admin).post(f"{URL}nominations/{nomination.pk}/withdraw/").status_code == 403
    r = client_for(w.hr).post(f"{URL}nominations/{nomination.pk}/withdraw/")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert Quota.objects.get(enterprise=w.enterprise, kind="school_place").used == 0
    assert client_for(w.hr).post(f"{URL}nominations/{nomination.pk}/withdraw/").status_code == 409


def test_who_may_not(api_client):
    w = f.world()
    nomination = f.nominate(w, w.parents[0], 1)
    rid, nid = w.round.pk, nomination.pk
    talent = client_for(w.parents[1].user)
    other_hr = client_for(w.other_hr)
    hr = client_for(w.hr)
    clerk = client_for(w.staff[roles.INTAKE_CLERK])
    # Anonymous: 401 everywhere but the public list of schools.
    assert api_client.get(URL).status_code == 200
    for path in ("rounds/", f"rounds/{rid}/", f"rounds/{rid}/assignment/", "nominations/", f"nominations/{nid}/"):
        assert api_client.get(URL + path).status_code == 401, path
    for path in ("rounds/", f"rounds/{rid}/run/", "nominations/", f"nominations/{nid}/withdraw/"):
        assert api_client.post(URL + path, {}, format="json").status_code == 401, path
    # A talent: 403 on lists and actions, 404 on objects.
    assert talent.get(f"{URL}rounds/").status_code == 403
    assert talent.get(f"{URL}nominations/").status_code == 403
    assert talent.post(f"{URL}nominations/", _body(w, w.parents[1], 2), format="json").status_code == 403
    assert talent.get(f"{URL}rounds/{rid}/").status_code == 404
    assert talent.get(f"{URL}rounds/{rid}/assignment/").status_code == 404
    assert talent.get(f"{URL}nominations/{nid}/").status_code == 404
    # HR of another enterprise: the nomination does not exist for it; its list is empty.
    assert other_hr.get(f"{URL}nominations/{nid}/").status_code == 404
    assert other_hr.get(f"{URL}nominations/").json()["count"] == 0
    # HR may not create or run rounds; staff may not nominate; only a district admin runs.
    assert hr.post(f"{URL}rounds/", {}, format="json").status_code == 403
    assert hr.post(f"{URL}rounds/{rid}/run/").status_code == 403
    assert clerk.post(f"{URL}rounds/{rid}/run/").status_code == 403
    assert clerk.post(f"{URL}nominations/", _body(w, w.parents[1], 2), format="json").status_code == 403
    assert clerk.get(f"{URL}nominations/{nid}/").status_code == 200
    # Nothing the refused callers tried changed anything.
    assert Round.objects.get(pk=rid).status == Round.Status.OPEN and Round.objects.count() == 1
    assert list(Nomination.objects.values_list("pk", "status")) == [(nid, "nominated")]


def test_list_queries_do_not_grow_with_the_page(django_assert_max_num_queries):
    w = f.world(parents=6, quota_total=10)
    hr = client_for(w.hr)
    clerk = client_for(w.staff[roles.INTAKE_CLERK])
    f.nominate(w, w.parents[0], 1)
    with django_assert_max_num_queries(12) as small:
        assert hr.get(f"{URL}nominations/").json()["count"] == 1
    for n, parent in enumerate(w.parents[1:], 2):
        f.nominate(w, parent, n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert hr.get(f"{URL}nominations/").json()["count"] == 6
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert clerk.get(f"{URL}nominations/").json()["count"] == 6
    with django_assert_max_num_queries(10) as rounds_small:
        clerk.get(f"{URL}rounds/")
    for _ in range(3):
        f.world()
    with django_assert_max_num_queries(len(rounds_small.captured_queries)):
        assert clerk.get(f"{URL}rounds/").json()["count"] == 4
    for _ in range(5):
        f.school()
    with django_assert_max_num_queries(3):
        assert len(clerk.get(URL).json()["results"]) >= 7
