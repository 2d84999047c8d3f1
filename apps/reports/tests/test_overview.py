"""``GET /api/v1/stats/overview/`` and the staff dashboard."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone

from apps.accounts import roles
from apps.enterprises.models import Enterprise, ShortageIntroduction
from apps.enterprises.services import enterprise_member_set
from apps.enterprises.tests.factories import EnterpriseFactory, KeyEnterpriseListingFactory
from apps.reports import selectors
from apps.talents.models import TalentCategory
from apps.talents.tests.factories import TalentFactory, hold

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/overview/"
THIS_YEAR = timezone.localdate().year


@pytest.fixture
def staff_client(make_user, client_for):
    return client_for(make_user(roles.REVIEWER))


def category(body: dict, code: str) -> dict:
    return next(c for c in body["categories"] if c["code"] == code)


def test_seeded_figures_are_the_seed_documents(staff_client):
    call_command("seed_demo", stdout=StringIO())

    response = staff_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [(c["code"], c["count"], c["city_total"], c["share_percent"]) for c in body["categories"][:7]] == [
        ("academician", 8, 36, 22.2),
        ("thousand_talents", 148, 329, 45.0),
        ("ten_thousand_talents", 38, 152, 25.0),
        ("guangdong_special", 162, 771, 21.0),
        ("other_high_level", 54, None, None),
        ("postdoc", 8, None, None),
        ("shortage", 272, None, None),
    ]
    assert category(body, "academician")["name"] == "两院院士"
    assert body["high_level_total"] == 410
    assert body["postdocs"] == 8
    assert body["key_enterprises"] == 520
    assert body["incubators"] == {"count": 38, "floor_area_m2": 561700.0, "graduated_firms": 249}
    assert body["maker_spaces"] == {"count": 20, "national": 9}
    assert body["shortage_talents"] == {"count": 272, "enterprises": 97}
    assert body["applications"] == selectors.application_counts()

    # One more academician: computed from the records, so the figure moves at once.
    hold(TalentFactory(), "academician")
    after = staff_client.get(URL).json()

    assert (category(after, "academician")["count"], category(after, "academician")["share_percent"]) == (9, 25.0)
    assert after["high_level_total"] == 411


def test_each_high_level_talent_counts_once_under_the_highest_category(staff_client):
    hold(TalentFactory(), "guangdong_special", "academician", "thousand_talents")
    hold(TalentFactory(), "thousand_talents", "postdoc")
    hold(TalentFactory(), "other_high_level", "shortage")
    hold(TalentFactory(), "postdoc")

    body = staff_client.get(URL).json()

    counts = {c["code"]: c["count"] for c in body["categories"]}
    assert counts == {
        "academician": 1,
        "thousand_talents": 1,
        "ten_thousand_talents": 0,
        "guangdong_special": 0,
        "other_high_level": 1,
        "postdoc": 2,
        "shortage": 1,
        "district_outstanding": 0,
        "district_excellent": 0,
        "district_young": 0,
    }
    assert category(body, "academician")["share_percent"] == 2.8  # 1/36 = 2.777…
    assert category(body, "guangdong_special")["share_percent"] == 0.0
    assert body["high_level_total"] == 3
    assert body["postdocs"] == 2


def test_a_self_declared_category_counts_only_once_staff_verified_it(staff_client):
    # given one verified academician and one who only declared it, and an unverified shortage talent
    hold(TalentFactory(), "academician")
    hold(TalentFactory(), "academician", verified=False)
    hold(TalentFactory(), "shortage", verified=False)
    # when the figures are read
    body = staff_client.get(URL).json()
    # then only the verified holding counts
    assert category(body, "academician")["count"] == 1
    assert body["high_level_total"] == 1
    assert category(body, "shortage")["count"] == 0
    assert body["shortage_talents"]["count"] == 0


def test_an_inactive_category_is_left_out():
    hold(TalentFactory(), "academician", "thousand_talents")
    TalentCategory.objects.filter(code="academician").update(active=False)

    figures = selectors.district_overview()

    assert "academician" not in [c["code"] for c in figures["categories"]]
    assert {c["code"]: c["count"] for c in figures["categories"]}["thousand_talents"] == 1


def test_key_enterprises_are_this_years_list_only():
    KeyEnterpriseListingFactory.create_batch(3, year=THIS_YEAR)
    KeyEnterpriseListingFactory.create_batch(2, year=THIS_YEAR - 1)

    assert selectors.district_overview()["key_enterprises"] == 3


def test_places_and_shortage_introductions():
    EnterpriseFactory(kind=Enterprise.Kind.INCUBATOR, floor_area_m2="1200.50", graduated_firms=3, is_national=True)
    EnterpriseFactory(kind=Enterprise.Kind.INCUBATOR, floor_area_m2="800", graduated_firms=2)
    EnterpriseFactory(kind=Enterprise.Kind.MAKER_SPACE, is_national=True)
    EnterpriseFactory(kind=Enterprise.Kind.MAKER_SPACE)
    EnterpriseFactory(floor_area_m2="999")  # a company: not an incubator
    a, b = EnterpriseFactory(), EnterpriseFactory()
    shortage = [TalentFactory() for _ in range(3)]
    for talent in shortage:
        hold(talent, "shortage")
    not_shortage = TalentFactory()
    ShortageIntroduction.objects.create(enterprise=a, talent=shortage[0], year=2018)
    ShortageIntroduction.objects.create(enterprise=a, talent=shortage[1], year=2018)
    ShortageIntroduction.objects.create(enterprise=b, talent=shortage[2], year=2018)
    ShortageIntroduction.objects.create(enterprise=EnterpriseFactory(), talent=not_shortage, year=2018)

    figures = selectors.district_overview()

    assert figures["incubators"] == {"count": 2, "floor_area_m2": 2000.5, "graduated_firms": 5}
    assert figures["maker_spaces"] == {"count": 2, "national": 1}
    assert figures["shortage_talents"] == {"count": 3, "enterprises": 2}


def test_applications_are_empty_without_the_workflow_app(monkeypatch):
    real = selectors.django_apps.is_installed
    monkeypatch.setattr(selectors.django_apps, "is_installed", lambda name: name != "apps.workflow" and real(name))

    assert selectors.district_overview()["applications"] == {}


@pytest.mark.skipif(not django_apps.is_installed("apps.workflow"), reason="the workflow app is not installed")
def test_applications_by_service_and_status(make_user):
    service_model = django_apps.get_model("workflow", "ServiceDefinition")
    application_model = django_apps.get_model("workflow", "Application")
    hukou, _ = service_model.objects.get_or_create(code="rpt_hukou", defaults={"name": "人才入户"})
    card, _ = service_model.objects.get_or_create(code="rpt_card", defaults={"name": "人才绿卡"})
    submitter = make_user(roles.TALENT)
    for service, status in [(hukou, "draft"), (hukou, "draft"), (hukou, "under_review"), (card, "approved")]:
        application_model.objects.create(
            service=service, applicant=TalentFactory(), submitted_by=submitter, status=status
        )

    applications = selectors.district_overview()["applications"]

    assert applications["rpt_hukou"] == {"draft": 2, "under_review": 1}
    assert applications["rpt_card"] == {"approved": 1}


def test_share_rounds_half_up():
    assert selectors.share_percent(1, 8) == 12.5
    assert selectors.share_percent(1, 16) == 6.3  # 6.25, not banker's 6.2
    assert selectors.share_percent(3, 0) is None
    assert selectors.share_percent(3, None) is None


def test_query_count_is_bounded(staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        empty = staff_client.get(URL)
    for _ in range(20):
        hold(TalentFactory(), "academician", "postdoc")
        KeyEnterpriseListingFactory(year=THIS_YEAR)
    with django_assert_max_num_queries(12):
        full = staff_client.get(URL)

    assert empty.json()["high_level_total"] == 0
    assert full.json()["high_level_total"] == 20


@pytest.mark.parametrize("role", [roles.TALENT, roles.ENTERPRISE_HR])
def test_only_staff_see_the_figures(client_for, make_user, role):
    user = make_user(role)
    if role == roles.ENTERPRISE_HR:
        enterprise_member_set(user=user, enterprise=EnterpriseFactory())

    assert client_for(user).get(URL).status_code == 403


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401


# --- /dashboard/ ---------------------------------------------------------------------------------


def test_dashboard_for_staff(client, make_user):
    call_command("seed_demo", stdout=StringIO())
    client.force_login(make_user(roles.APPROVER))

    response = client.get("/dashboard/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "两院院士" in html
    assert "22.2%" in html
    assert "561,700 m²" in html and "56.17万" in html
    assert ">520<" in html
    assert 'id="chart-categories"' in html


def test_dashboard_refuses_others(client, make_user):
    anonymous = client.get("/dashboard/")
    client.force_login(make_user(roles.ENTERPRISE_HR))
    hr = client.get("/dashboard/")

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert hr.status_code == 403
