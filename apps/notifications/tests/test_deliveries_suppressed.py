"""Loading demo data tells nobody anything outside the portal: under ``deliveries_suppressed()`` a
notification is recorded in-app and its e-mail and SMS are ``skipped``, never sent."""

from __future__ import annotations

import io
import sys
import types

import pytest
from django.core import mail
from django.core.management import call_command

from apps.core.management.commands import seed_demo
from apps.notifications.models import DeliveryStatus, Notification
from apps.notifications.services import deliveries_suppressed, notify

pytestmark = pytest.mark.django_db


def _tell(recipient, key: str) -> Notification:
    return notify(kind="generic", recipient=recipient, event_key=key, context={"message": "演示数据"})


def test_inside_the_block_nothing_is_sent_but_the_notification_is_recorded(
    talent, sms_outbox, django_capture_on_commit_callbacks
):
    # given a talent with an e-mail and a phone
    assert talent.email and talent.phone

    # when they are notified while deliveries are suppressed
    with django_capture_on_commit_callbacks(execute=True) as callbacks, deliveries_suppressed():
        told = _tell(talent, "demo:1")

    # then the in-app record is there, and no e-mail or SMS was queued or sent
    assert callbacks == []
    assert mail.outbox == [] and sms_outbox == []
    told.refresh_from_db()
    assert (told.in_app, told.email_status, told.sms_status) == (True, DeliveryStatus.SKIPPED, DeliveryStatus.SKIPPED)


def test_after_the_block_deliveries_go_out_again(talent, sms_outbox, django_capture_on_commit_callbacks):
    with deliveries_suppressed():
        _tell(talent, "demo:2")

    with django_capture_on_commit_callbacks(execute=True):
        told = _tell(talent, "demo:3")

    told.refresh_from_db()
    assert (told.email_status, told.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert [m.to for m in mail.outbox] == [[talent.email]] and len(sms_outbox) == 1


def test_the_block_ends_even_when_its_body_fails(talent, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), deliveries_suppressed():
        raise RuntimeError("seed failed")

    with django_capture_on_commit_callbacks(execute=True):
        told = _tell(talent, "demo:4")

    told.refresh_from_db()
    assert told.email_status == DeliveryStatus.SENT


def test_seed_demo_records_its_notifications_and_sends_no_email_or_sms(
    talent, sms_outbox, monkeypatch, django_capture_on_commit_callbacks
):
    # given a demo module (standing in for the real, slow ones) whose data notifies a talent
    fake = types.ModuleType("apps.notifications.fake_demo")
    fake.seed = lambda stdout: _tell(talent, "demo:seeded")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setattr(seed_demo, "DEMO_MODULES", [fake.__name__])
    out = io.StringIO()

    # when seed_demo runs
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)

    # then the notification is recorded, nothing left the portal, and the command says so in one line
    told = Notification.objects.get(event_key="demo:seeded")
    assert (told.email_status, told.sms_status) == (DeliveryStatus.SKIPPED, DeliveryStatus.SKIPPED)
    assert mail.outbox == [] and sms_outbox == []
    assert out.getvalue().splitlines() == [
        "demo notifications: 1 recorded in the portal; no e-mail or SMS was sent",
        "seed_demo: done",
    ]
