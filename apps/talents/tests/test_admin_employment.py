"""The Talent admin confirms or refuses an employment claim through the same services as HR; a
filter finds the claims; staff without ``talents.confirm_employment`` may do neither."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts import roles
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.notifications.models import Notification
from apps.talents.models import Talent, TalentProfileChange
from apps.talents.services import talent_create, talent_update
from apps.talents.tests.factories import TalentFactory, resident_id

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:talents_talent_changelist")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def district_admin(make_user):
    return make_user(roles.DISTRICT_ADMIN)


@pytest.fixture
def claims(make_user):
    """Two talents who named their employer themselves, and one confirmed employee."""
    acme = EnterpriseFactory(name="广州甲公司")
    made = []
    for n in (1, 2):
        user = make_user(roles.TALENT)
        talent = talent_create(user=user, actor=user, name=f"申报人{n}", id_number=resident_id(950 + n))
        made.append(talent_update(talent=talent, actor=user, employer=acme))
    made.append(TalentFactory(name="在职者", employer=acme))
    return made


def statuses() -> dict[str, str]:
    return dict(Talent.objects.values_list("name", "employment_status"))


def test_the_changelist_filters_by_employment_status(district_admin, claims):
    response = logged_in(district_admin).get(CHANGELIST, {"employment_status__exact": "claimed"})

    assert response.status_code == 200
    assert sorted(t.name for t in response.context["cl"].result_list) == ["申报人1", "申报人2"]
    assert "待企业确认" in response.content.decode()


def test_the_confirm_action_confirms_each_selected_claim(district_admin, claims):
    first, second, employee = claims

    response = logged_in(district_admin).post(
        CHANGELIST,
        {"action": "employment_confirm_selected", "_selected_action": [first.pk, second.pk, employee.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert statuses() == {"申报人1": "confirmed", "申报人2": "confirmed", "在职者": "confirmed"}
    html = response.content.decode()
    assert "已确认 2 人在职" in html and f"#{employee.pk}: 该人才的在职情况已确认" in html
    entry = TalentProfileChange.objects.filter(talent=first).latest("id")
    assert (entry.actor, entry.source, entry.changes) == (
        district_admin,
        "admin",
        {"employment_status": ["claimed", "confirmed"]},
    )


def test_the_refuse_action_asks_for_a_reason_then_refuses(district_admin, claims):
    first, second, _ = claims
    client = logged_in(district_admin)
    selected = {"action": "employment_refuse_selected", "_selected_action": [first.pk]}

    form = client.post(CHANGELIST, selected)
    assert form.status_code == 200 and "不予确认的理由" in form.content.decode()
    missing = client.post(CHANGELIST, {**selected, "post": "yes", "reason": ""})
    assert missing.status_code == 200 and statuses()["申报人1"] == "claimed"

    done = client.post(CHANGELIST, {**selected, "post": "yes", "reason": "单位未登记此人"}, follow=True)

    assert "已对 1 人不予确认在职" in done.content.decode()
    assert statuses() == {"申报人1": "refused", "申报人2": "claimed", "在职者": "confirmed"}
    assert Notification.objects.filter(recipient=first.user, kind="talent.employment_refused").count() == 1


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.REVIEWER])
def test_staff_without_the_right_get_neither_action(role, make_user, claims):
    client = logged_in(make_user(role))
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "employment_confirm_selected" not in page.content.decode()

    client.post(CHANGELIST, {"action": "employment_confirm_selected", "_selected_action": [claims[0].pk]})

    assert statuses()["申报人1"] == "claimed"


def test_the_change_page_shows_the_employment_read_only(district_admin, claims):
    response = logged_in(district_admin).get(reverse("admin:talents_talent_change", args=[claims[0].pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "在职状态" in html and "待企业确认" in html
    assert 'name="employment_status"' not in html  # never edited directly: only through the actions
