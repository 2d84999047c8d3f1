"""HR answers employment claims: ``/api/v1/enterprises/{id}/employment-claims/`` (+ ``confirm/``,
``refuse/``) and the same on the ``/hr/`` page. Who may not, and what they are never shown."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts import roles
from apps.enterprises.services import enterprise_member_set
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.talents.models import Talent, TalentProfileChange
from apps.talents.services import employment_confirm, talent_create, talent_update
from apps.talents.tests.factories import TalentFactory, resident_id

pytestmark = pytest.mark.django_db

CLAIMED, CONFIRMED, REFUSED = "claimed", "confirmed", "refused"


@pytest.fixture
def acme():
    return EnterpriseFactory(name="广州甲科技有限公司")


@pytest.fixture
def hr(make_user, acme):
    user = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=user, enterprise=acme)
    return user


@pytest.fixture
def other_hr(make_user):
    user = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=user, enterprise=EnterpriseFactory(name="广州乙科技有限公司"))
    return user


@pytest.fixture
def claimant(make_user, acme):
    """A talent who named acme as their employer on their own profile."""
    user = make_user(roles.TALENT)
    talent = talent_create(user=user, actor=user, name="陈申报", id_number=resident_id(901), phone="13911110901")
    return talent_update(talent=talent, actor=user, employer=acme)


def claims_url(enterprise, suffix: str = "") -> str:
    return f"/api/v1/enterprises/{enterprise.pk}/employment-claims/{suffix}"


def state(talent: Talent) -> tuple[str, str, int]:
    talent.refresh_from_db()
    return talent.employment_status, talent.employment_refusal_reason, TalentProfileChange.objects.count()


# --- API: the list ----------------------------------------------------------------------------------


def test_hr_lists_its_pending_claims_with_just_enough_to_recognise_the_person(
    hr, acme, claimant, client_for, django_assert_max_num_queries
):
    TalentFactory(employer=acme)  # confirmed: not a claim
    TalentFactory(employer=EnterpriseFactory(), employment_status=CLAIMED)  # another enterprise's claim

    client = client_for(hr)

    with django_assert_max_num_queries(8):
        response = client.get(claims_url(acme))

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    row = body["results"][0]
    assert set(row) == {"talent", "name", "id_number_masked", "employment_status", "claimed_at"}
    assert (row["talent"], row["name"], row["id_number_masked"], row["employment_status"]) == (
        claimant.pk,
        "陈申报",
        claimant.id_number_masked,
        CLAIMED,
    )
    assert row["claimed_at"] is not None
    assert claimant.id_number not in response.content.decode()
    assert "13911110901" not in response.content.decode() and "1391111" not in response.content.decode()


def test_the_list_costs_the_same_queries_however_many_claims(hr, acme, client_for, django_assert_max_num_queries):
    client = client_for(hr)
    TalentFactory(employer=acme, employment_status=CLAIMED)
    with django_assert_max_num_queries(8) as few:
        client.get(claims_url(acme))
    for _ in range(15):
        TalentFactory(employer=acme, employment_status=CLAIMED)

    with django_assert_max_num_queries(8) as many:
        response = client.get(claims_url(acme))

    assert response.json()["count"] == 16
    assert len(many.captured_queries) == len(few.captured_queries)


def test_district_staff_list_any_enterprises_claims(make_user, acme, claimant, client_for):
    response = client_for(make_user(roles.REVIEWER)).get(claims_url(acme))

    assert [row["talent"] for row in response.json()["results"]] == [claimant.pk]


def test_hr_of_another_enterprise_gets_404(other_hr, acme, claimant, client_for):
    assert client_for(other_hr).get(claims_url(acme)).status_code == 404


@pytest.mark.parametrize("who", ["talent", "anonymous"])
def test_a_talent_and_anonymous_may_not_list(who, make_user, acme, claimant, client_for, api_client):
    client = client_for(make_user(roles.TALENT)) if who == "talent" else api_client

    assert client.get(claims_url(acme)).status_code == {"talent": 403, "anonymous": 401}[who]


# --- API: confirm and refuse --------------------------------------------------------------------------


def test_hr_confirms_a_claim_and_the_talent_joins_its_list(hr, acme, claimant, client_for):
    client = client_for(hr)

    response = client.post(claims_url(acme, f"{claimant.pk}/confirm/"))

    assert response.status_code == 200, response.json()
    assert response.json()["employment_status"] == CONFIRMED
    claimant.refresh_from_db()
    assert (claimant.employment_status, claimant.employment_confirmed_by) == (CONFIRMED, hr)
    assert [row["id"] for row in client.get("/api/v1/talents/").json()["results"]] == [claimant.pk]
    assert client.get(claims_url(acme)).json()["count"] == 0
    # Again: a state conflict
    assert client.post(claims_url(acme, f"{claimant.pk}/confirm/")).status_code == 409


def test_hr_refuses_with_a_reason(hr, acme, claimant, client_for):
    response = client_for(hr).post(claims_url(acme, f"{claimant.pk}/refuse/"), {"reason": "查无此人"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["employment_status"] == REFUSED
    assert state(claimant)[:2] == (REFUSED, "查无此人")
    assert client_for(hr).get(claims_url(acme)).json()["count"] == 0


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 501}, {"reason": ["a"]}])
def test_a_refusal_without_a_usable_reason_is_400_naming_it(body, hr, acme, claimant, client_for):
    before = state(claimant)

    response = client_for(hr).post(claims_url(acme, f"{claimant.pk}/refuse/"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert state(claimant) == before


@pytest.mark.parametrize("action", ["confirm", "refuse"])
def test_hr_of_another_enterprise_cannot_decide_404(action, other_hr, acme, claimant, client_for):
    before = state(claimant)
    other_enterprise = other_hr.enterprise_membership.enterprise

    for url in (claims_url(acme, f"{claimant.pk}/{action}/"), claims_url(other_enterprise, f"{claimant.pk}/{action}/")):
        response = client_for(other_hr).post(url, {"reason": "不是我们的人"}, format="json")
        assert response.status_code == 404

    assert state(claimant) == before


@pytest.mark.parametrize("action", ["confirm", "refuse"])
def test_the_talent_cannot_decide_their_own_claim_403(action, acme, claimant, client_for):
    before = state(claimant)

    response = client_for(claimant.user).post(
        claims_url(acme, f"{claimant.pk}/{action}/"), {"reason": "x"}, format="json"
    )

    assert response.status_code == 403
    assert state(claimant) == before


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.FINANCE])
def test_staff_without_the_right_cannot_decide_403(role, make_user, acme, claimant, client_for):
    before = state(claimant)

    response = client_for(make_user(role)).post(claims_url(acme, f"{claimant.pk}/confirm/"))

    assert response.status_code == 403
    assert state(claimant) == before


def test_a_district_admin_may_decide(make_user, acme, claimant, client_for):
    response = client_for(make_user(roles.DISTRICT_ADMIN)).post(claims_url(acme, f"{claimant.pk}/confirm/"))

    assert response.status_code == 200
    assert state(claimant)[0] == CONFIRMED


def test_a_talent_not_claiming_this_enterprise_or_unknown_is_404(hr, acme, client_for):
    elsewhere = TalentFactory(employer=EnterpriseFactory(), employment_status=CLAIMED)

    for talent_id in (elsewhere.pk, elsewhere.pk + 1000):
        assert client_for(hr).post(claims_url(acme, f"{talent_id}/confirm/")).status_code == 404
    assert Talent.objects.get(pk=elsewhere.pk).employment_status == CLAIMED


def test_the_schema_documents_the_claims_endpoints(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    paths = schema["paths"]
    assert "get" in paths["/api/v1/enterprises/{id}/employment-claims/"]
    refuse = paths["/api/v1/enterprises/{id}/employment-claims/{talent_id}/refuse/"]["post"]
    assert {"200", "403", "404", "409"} <= set(refuse["responses"])
    assert "post" in paths["/api/v1/enterprises/{id}/employment-claims/{talent_id}/confirm/"]
    assert "employment_status" in schema["components"]["schemas"]["Talent"]["properties"]


# --- The /hr/ page ------------------------------------------------------------------------------------


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_hr_page_lists_pending_claims_with_confirm_and_refuse(hr, claimant):
    html = logged_in(hr).get("/hr/").content.decode()

    section = html.split('id="employment-claims"')[1].split("指标使用情况")[0]
    assert "待确认的在职申报" in html
    assert "陈申报" in section and claimant.id_number_masked in section
    assert f'action="/hr/employment-claims/{claimant.pk}/confirm/"' in section
    assert f'href="/hr/employment-claims/{claimant.pk}/refuse/"' in section
    assert 'name="csrfmiddlewaretoken"' in section
    assert "1391111" not in html and "<script>" not in section


def test_confirming_on_the_page(hr, claimant):
    client = logged_in(hr)

    response = client.post(f"/hr/employment-claims/{claimant.pk}/confirm/", follow=True)

    assert response.redirect_chain[-1][0] == "/hr/#employment-claims"
    assert "已确认陈申报在本企业工作。" in response.content.decode()
    assert state(claimant)[0] == CONFIRMED
    assert "暂无待确认的在职申报。" in response.content.decode()


def test_refusing_on_the_page_asks_for_a_reason(hr, claimant):
    client = logged_in(hr)
    page = client.get(f"/hr/employment-claims/{claimant.pk}/refuse/").content.decode()
    assert "不予确认陈申报在本企业工作？" in page and claimant.id_number_masked in page

    empty = client.post(f"/hr/employment-claims/{claimant.pk}/refuse/", {"reason": ""})
    assert empty.status_code == 400
    assert "error-summary" in empty.content.decode()
    assert state(claimant)[0] == CLAIMED

    done = client.post(f"/hr/employment-claims/{claimant.pk}/refuse/", {"reason": "查无此人"}, follow=True)
    assert "已告知陈申报：本企业不予确认其在职申报。" in done.content.decode()
    assert state(claimant)[:2] == (REFUSED, "查无此人")


def test_the_pages_refuse_another_enterprises_hr_404_and_others_403(other_hr, make_user, claimant):
    before = state(claimant)
    for path in (f"/hr/employment-claims/{claimant.pk}/confirm/", f"/hr/employment-claims/{claimant.pk}/refuse/"):
        assert logged_in(other_hr).post(path, {"reason": "x"}).status_code == 404
        assert logged_in(claimant.user).post(path, {"reason": "x"}).status_code == 403
        assert logged_in(make_user(roles.DISTRICT_ADMIN)).post(path, {"reason": "x"}).status_code == 403
        assert Client().post(path, {"reason": "x"}).status_code == 302  # to the login page
    assert logged_in(other_hr).get(f"/hr/employment-claims/{claimant.pk}/refuse/").status_code == 404
    assert logged_in(make_user(roles.ENTERPRISE_HR)).get("/hr/").status_code == 200  # HR without an enterprise
    assert state(claimant) == before


def test_confirm_on_the_page_takes_post_only(hr, claimant):
    assert logged_in(hr).get(f"/hr/employment-claims/{claimant.pk}/confirm/").status_code == 405
    assert state(claimant)[0] == CLAIMED


def test_confirming_twice_on_the_page_says_so(hr, claimant):
    employment_confirm(talent=claimant, actor=hr)

    response = logged_in(hr).post(f"/hr/employment-claims/{claimant.pk}/confirm/", follow=True)

    assert "该人才的在职情况已确认" in response.content.decode()
