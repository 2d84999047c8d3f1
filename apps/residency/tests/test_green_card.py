"""Talent green cards through the workflow, and the daily expiry scan."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.conf import settings
from django.utils import timezone
from stdnum.cn import ric

from apps.accounts import roles
from apps.core.exceptions import Conflict
from apps.enterprises.services import enterprise_create, enterprise_member_set
from apps.notifications.models import Notification
from apps.residency import tasks
from apps.residency.models import GreenCard
from apps.residency.services import green_card_expiry_scan
from apps.talents.models import Talent, TalentProfileChange
from apps.talents.services import holding_set, talent_create
from apps.workflow import services
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.tests.factories import upload_required
from tests.test_application_flow_helpers import valid_credit_code

pytestmark = pytest.mark.django_db

_ids = itertools.count(100)


def resident_id() -> str:
    first17 = f"44010619850505{next(_ids):03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # it reads the first 17 of 18


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(roles.INTAKE_CLERK),
        "reviewer": make_user(roles.REVIEWER),
        "approver": make_user(roles.APPROVER),
    }


@pytest.fixture
def hr(make_user):
    enterprise = enterprise_create(name="广州琶洲星河科技有限公司", credit_code=valid_credit_code("914401057080004"))
    user = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=user, enterprise=enterprise)
    user.enterprise = enterprise
    return user


@pytest.fixture
def make_talent(make_user, hr):
    def _make(category: str, *, account: bool = True) -> Talent:
        user = make_user(roles.TALENT) if account else None
        talent = talent_create(
            user=user, name=f"人才{category}", id_number=resident_id(), phone="", employer=hr.enterprise
        )
        holding_set(talent=talent, category_code=category, year=2018, verified=True, source="import")
        return talent

    return _make


def run(app_id: int, staff, until: str = "fulfil") -> Application:
    """Drive a submitted application through intake, review, approval and card issue."""
    services.application_precheck(application_id=app_id)
    for action, who in (("accept", "clerk"), ("recommend", "reviewer"), ("approve", "approver"), ("fulfil", "clerk")):
        services.application_act(application_id=app_id, action=action, actor=staff[who])
        if action == until:
            break
    return Application.objects.get(pk=app_id)


def apply(hr, talent: Talent) -> int:
    app = services.application_create(user=hr, service_code="green_card", talent_id=talent.pk)
    upload_required(app, hr)  # a plain accept needs every required material
    services.application_act(application_id=app.pk, action="submit", actor=hr)
    return app.pk


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def test_an_academician_gets_an_a_card_for_five_years(hr, staff, make_talent):
    talent = make_talent("academician")

    app = run(apply(hr, talent), staff)

    card = GreenCard.objects.get(application=app)
    today = timezone.localdate()
    assert (card.card_class, card.issued_on, card.expires_on) == ("A", today, years_later(today, 5))
    assert card.renewal_of is None and card.renewal_count == 0
    assert app.status == "completed"
    assert app.result["card_class"] == "A" and app.result["card_number"] == card.number
    talent.refresh_from_db()
    assert talent.is_green_card_holder is True


def test_the_talent_is_told_the_card_number_class_and_expiry(
    hr, staff, make_talent, django_capture_on_commit_callbacks
):
    talent = make_talent("academician")

    with django_capture_on_commit_callbacks(execute=True):
        app = run(apply(hr, talent), staff)

    card = GreenCard.objects.get(application=app)
    notice = Notification.objects.get(recipient=talent.user, kind="application.completed")
    assert notice.body == (
        f"您的{app.service.name}申请（编号 {app.number}）已办结。\n证件编号：{card.number}\n证件类别：A类\n"
        f"有效期至：{card.expires_on.isoformat()}"
    )


def test_a_shortage_talent_gets_a_b_card_for_one_year(hr, staff, make_talent):
    talent = make_talent("shortage")

    app = run(apply(hr, talent), staff)

    card = GreenCard.objects.get(application=app)
    today = timezone.localdate()
    assert (card.card_class, card.expires_on) == ("B", years_later(today, 1))


def test_a_b_card_is_renewed_once_and_the_second_renewal_is_refused(hr, staff, make_talent, client_for):
    talent = make_talent("shortage")
    first = GreenCard.objects.get(application=run(apply(hr, talent), staff))

    renewal = GreenCard.objects.get(application=run(apply(hr, talent), staff))

    assert renewal.card_class == "B" and renewal.renewal_of == first and renewal.renewal_count == 1
    assert renewal.expires_on == years_later(first.expires_on, 1)  # runs on from the card it renews

    third = run(apply(hr, talent), staff, until="recommend")
    assert any("续期一次" in i["message"] for i in third.precheck_report["issues"])  # the pre-check warned
    events_before = ApplicationEvent.objects.filter(application=third).count()
    with pytest.raises(Conflict):
        services.application_act(application_id=third.pk, action="approve", actor=staff["approver"])
    r = client_for(staff["approver"]).post(f"/api/v1/applications/{third.pk}/actions/approve/", {}, format="json")

    assert r.status_code == 409
    third.refresh_from_db()
    assert third.status == "pending_approval" and third.decided_at is None
    assert ApplicationEvent.objects.filter(application=third).count() == events_before
    assert GreenCard.objects.filter(talent=talent).count() == 2


@pytest.fixture
def b_card(hr, staff, make_talent) -> GreenCard:
    talent = make_talent("shortage")
    return GreenCard.objects.select_related("talent").get(application=run(apply(hr, talent), staff))


def reminders(card: GreenCard):
    return Notification.objects.filter(kind="green_card.expiring", event_key__startswith=f"green-card:{card.pk}:")


def test_expiry_scan_reminds_once_however_often_it_runs(b_card, hr):
    day = b_card.expires_on - dt.timedelta(days=30)

    first = green_card_expiry_scan(today=day)
    second = green_card_expiry_scan(today=day)
    third = green_card_expiry_scan(today=day + dt.timedelta(days=1))

    assert first == {"reminded": 1, "holders_cleared": 0}
    assert second == third == {"reminded": 0, "holders_cleared": 0}
    # the holder's own account and the HR user who applied, once each
    assert sorted(reminders(b_card).values_list("recipient_id", flat=True)) == sorted([b_card.talent.user_id, hr.pk])
    notification = reminders(b_card).get(recipient=b_card.talent.user)
    assert b_card.number in notification.body and b_card.expires_on.isoformat() in notification.body
    # each opens their own page of the card's application, never the API
    assert dict(reminders(b_card).values_list("recipient_id", "link")) == {
        b_card.talent.user_id: f"/my/applications/{b_card.application_id}/",
        hr.pk: f"/hr/applications/{b_card.application_id}/",
    }
    b_card.refresh_from_db()
    assert b_card.expiry_reminded is True


def test_expiry_scan_leaves_cards_further_out_alone(b_card):
    assert green_card_expiry_scan(today=b_card.expires_on - dt.timedelta(days=31))["reminded"] == 0
    assert not reminders(b_card).exists()


def test_no_reminder_for_a_card_already_renewed(b_card, hr, staff):
    run(apply(hr, b_card.talent), staff)

    green_card_expiry_scan(today=b_card.expires_on - dt.timedelta(days=10))

    assert not reminders(b_card).exists()


def test_expired_cards_clear_the_holder_flag(b_card):
    talent = b_card.talent
    assert talent.is_green_card_holder

    assert green_card_expiry_scan(today=b_card.expires_on - dt.timedelta(days=1))["holders_cleared"] == 0
    result = green_card_expiry_scan(today=b_card.expires_on)
    again = green_card_expiry_scan(today=b_card.expires_on)

    assert result["holders_cleared"] == 1 and again["holders_cleared"] == 0
    talent.refresh_from_db()
    assert talent.is_green_card_holder is False
    change = TalentProfileChange.objects.filter(talent=talent).first()
    assert change.source == "system" and change.changes == {"is_green_card_holder": [True, False]}


def test_a_holder_with_another_valid_card_keeps_the_flag(hr, staff, make_talent):
    talent = make_talent("academician")
    a_card = GreenCard.objects.get(application=run(apply(hr, talent), staff))
    # An older B card of the same talent that has lapsed.
    older = GreenCard.objects.create(
        application=services.application_create(user=hr, service_code="green_card", talent_id=talent.pk),
        talent=talent,
        number="HZGC-B-OLD",
        card_class="B",
        issued_on=a_card.issued_on - dt.timedelta(days=400),
        expires_on=a_card.issued_on - dt.timedelta(days=35),
    )

    result = green_card_expiry_scan(today=a_card.issued_on)

    assert result == {"reminded": 0, "holders_cleared": 0}
    talent.refresh_from_db()
    assert talent.is_green_card_holder is True
    assert older.expires_on < a_card.issued_on


def test_a_holder_flag_without_any_card_on_record_is_left_alone(make_talent):
    talent = make_talent("academician", account=False)
    Talent.objects.filter(pk=talent.pk).update(is_green_card_holder=True)  # a card from before the portal

    assert green_card_expiry_scan()["holders_cleared"] == 0
    talent.refresh_from_db()
    assert talent.is_green_card_holder is True


def test_the_task_runs_the_scan_and_beat_runs_it_daily(b_card):
    assert tasks.green_card_expiry_scan.delay().get() == {"reminded": 0, "holders_cleared": 0}
    entry = settings.CELERY_BEAT_SCHEDULE["residency-green-card-expiry"]
    assert entry["task"] == tasks.green_card_expiry_scan.name == "residency.green_card_expiry_scan"
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {0}


def submitted(talent: Talent, service_code: str = "hukou") -> Application:
    """The talent's own application, submitted and waiting for intake."""
    app = services.application_create(user=talent.user, service_code=service_code)
    services.application_act(application_id=app.pk, action="submit", actor=talent.user)
    services.application_precheck(application_id=app.pk)
    return Application.objects.get(pk=app.pk)


def test_a_new_card_puts_the_holders_other_open_applications_first(hr, staff, make_talent):
    # given a talent (no card yet) with an open household registration application and a draft
    talent = make_talent("academician")
    hukou = submitted(talent)
    draft = services.application_create(user=talent.user, service_code="subsidy")
    assert (hukou.status, hukou.priority, draft.priority) == ("pre_review", 0, 0)

    # when a green card is issued to them
    card_app = run(apply(hr, talent), staff)

    # then the open application goes first; the draft takes its priority when submitted
    assert Application.objects.get(pk=hukou.pk).priority == 1
    assert Application.objects.get(pk=draft.pk).priority == 0
    assert card_app.priority == 0  # submitted before the card: finished, left as it was


def test_an_expired_card_puts_the_open_applications_back_in_line(b_card, staff):
    # given a holder with an open application and a rejected one, both submitted while the card was valid
    talent = b_card.talent
    hukou = submitted(talent)
    rejected = services.application_act(
        application_id=submitted(talent, "subsidy").pk, action="reject", actor=staff["clerk"], inputs={"reason": "x"}
    )
    assert (hukou.priority, rejected.priority) == (1, 1)

    # when the scan finds every card lapsed
    assert green_card_expiry_scan(today=b_card.expires_on)["holders_cleared"] == 1

    # then the open application loses its priority; the finished one is left as it was
    assert Application.objects.get(pk=hukou.pk).priority == 0
    assert Application.objects.get(pk=rejected.pk).priority == 1
