"""Registration cards and green cards in the admin: read-only lists, searched and filtered."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum.cn import ric

from apps.accounts import roles
from apps.residency.models import GreenCard, RegistrationCard
from apps.talents.services import holding_set, talent_create
from apps.workflow import services
from apps.workflow.tests.factories import upload_required

pytestmark = pytest.mark.django_db

GREEN = "/admin/residency/greencard/"
HUKOU = "/admin/residency/registrationcard/"
_ids = itertools.count(1)


def resident_id() -> str:
    body = f"44010619850505{next(_ids):03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(roles.INTAKE_CLERK),
        "reviewer": make_user(roles.REVIEWER),
        "approver": make_user(roles.APPROVER),
        "admin": make_user(roles.DISTRICT_ADMIN),
    }


@pytest.fixture
def issue(make_user, staff):
    """``issue("green_card", category=...)`` → the card the fulfilled application issued."""

    def _issue(service: str, *, category: str | None = None, name: str = "陈一"):
        user = make_user(roles.TALENT)
        talent = talent_create(user=user, name=name, id_number=resident_id())
        if category is None and service == "green_card":
            category = "district_young"  # a card needs a verified category; this one gives a B card
        if category:
            holding_set(talent=talent, category_code=category, verified=True, actor=staff["admin"])
        app = services.application_create(user=user, service_code=service)
        upload_required(app, user)  # a plain accept needs every required material
        services.application_act(application_id=app.pk, action="submit", actor=user)
        services.application_precheck(application_id=app.pk)
        for action, who in (
            ("accept", "clerk"),
            ("recommend", "reviewer"),
            ("approve", "approver"),
            ("fulfil", "clerk"),
        ):
            services.application_act(application_id=app.pk, action=action, actor=staff[who])
        model = GreenCard if service == "green_card" else RegistrationCard
        return model.objects.get(application=app)

    return _issue


def numbers(response) -> list[str]:
    return [card.number for card in response.context["cl"].result_list]


def test_green_cards_filtered_by_class_and_expiry_year(client, staff, issue):
    a_card = issue("green_card", category="academician", name="院士")
    b_card = issue("green_card", name="青年")
    assert (a_card.card_class, b_card.card_class) == ("A", "B")
    client.force_login(staff["admin"])
    response = client.get(GREEN)
    assert response.status_code == 200
    assert sorted(numbers(response)) == sorted([a_card.number, b_card.number])
    assert numbers(client.get(GREEN, {"card_class__exact": "A"})) == [a_card.number]
    year = timezone.localdate().year
    assert numbers(client.get(GREEN, {"expires": str(year + 5)})) == [a_card.number]
    assert numbers(client.get(GREEN, {"expires": str(year + 1)})) == [b_card.number]
    assert numbers(client.get(GREEN, {"q": b_card.number})) == [b_card.number]


def test_registration_cards_listed_and_searched(client, staff, issue):
    card = issue("hukou")
    other = issue("hukou", name="林二")
    client.force_login(staff["admin"])
    assert sorted(numbers(client.get(HUKOU))) == sorted([card.number, other.number])
    assert numbers(client.get(HUKOU, {"q": card.number})) == [card.number]
    assert numbers(client.get(HUKOU, {"q": card.application.number})) == [card.number]
    assert numbers(client.get(HUKOU, {"issued": str(timezone.localdate().year)})) != []


def test_cards_are_read_only_and_ids_masked(client, staff, issue):
    card = issue("green_card")
    client.force_login(staff["admin"])
    assert client.get(f"{GREEN}add/").status_code == 403
    page = client.get(f"{GREEN}{card.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert card.talent.id_number not in html and card.talent.id_number_masked in html
    assert client.post(f"{GREEN}{card.pk}/change/", {"expires_on": "2099-01-01"}).status_code == 403
    assert client.post(f"{GREEN}{card.pk}/delete/", {"post": "yes"}).status_code == 403
    card.refresh_from_db()
    assert card.expires_on.year < 2099


def test_only_staff_with_the_view_permission_see_cards(client, staff, make_user):
    client.force_login(staff["clerk"])  # no residency permissions
    assert client.get(GREEN).status_code == 403
    client.force_login(make_user(roles.TALENT))
    assert client.get(GREEN).status_code == 302


@pytest.mark.parametrize("url", [GREEN, HUKOU])
def test_query_count_does_not_grow_with_rows(client, staff, issue, url, django_assert_max_num_queries):
    service = "green_card" if url == GREEN else "hukou"
    issue(service)
    client.force_login(staff["admin"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(5):
        issue(service, name=f"人才{i}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 6
