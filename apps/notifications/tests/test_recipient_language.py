"""A notification speaks its recipient's language: the one they chose on the site (``User.language``),
else the portal's default. An explicit ``language`` from the caller still wins."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.accounts import roles
from apps.accounts.services import user_language_set
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.talents.services import talent_create
from apps.workflow.models import ApplicationEvent
from apps.workflow.tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_english_speaker_is_told_of_an_application_event_in_english(
    settings, sms_outbox, django_capture_on_commit_callbacks
):
    # given a talent who chose English, with an e-mail and a phone
    settings.PORTAL_BASE_URL = "https://talent.haizhu.gov.cn"
    service = f.service()
    for code, name_en in [("application_form", "Application form"), ("id_card", "Resident ID card")]:
        service.materials.filter(code=code).update(name_en=name_en)
    owner = f.user(roles.TALENT, phone="13912345601")
    talent_create(user=owner, actor=owner, name="李华")
    user_language_set(user=owner, language="en")
    application = f.draft(owner)

    # when they submit an application (the event is told after commit)
    with django_capture_on_commit_callbacks(execute=True):
        f.act(application.pk, "submit", owner)

    # then the in-app message, the e-mail and the SMS are in English, the service under its English name
    event = ApplicationEvent.objects.get(application=application, action="submit")
    told = Notification.objects.get(recipient=owner, event_key=f"application-event:{event.pk}")
    number = application.__class__.objects.get(pk=application.pk).number
    assert told.language == "en"
    assert told.title == "Application submitted"
    assert told.body == (
        f"Your Workflow test service application ({number}) has been submitted. It will be pre-checked "
        "automatically and then passed to the intake desk."
    )
    message = next(m for m in mail.outbox if m.subject == "Application submitted")
    assert message.to == [owner.email]
    assert message.body == (
        f"{told.body}\n\nDetails: https://talent.haizhu.gov.cn/my/applications/{application.pk}/\n\n"
        "— Haizhu Talent Services Portal (automatic message, please do not reply)"
    )
    # the pre-check that followed names the missing materials in English too
    prechecked = next(m for m in mail.outbox if m.subject == "Application pre-checked")
    assert "The pre-check found these required materials missing: Application form; Resident ID card" in (
        prechecked.body
    )
    assert [m for m in mail.outbox if any("\u4e00" <= c <= "\u9fff" for c in m.subject + m.body)] == []
    sms = [m.body for m in sms_outbox if "Application submitted" in m.body]
    assert sms == [
        f"[Haizhu Talent] Application submitted: {told.body} "
        f"https://talent.haizhu.gov.cn/my/applications/{application.pk}/"
    ]


def test_without_a_choice_the_portal_default_applies(make_user):
    recipient = make_user(roles.TALENT)

    told = notify(kind="generic", recipient=recipient, event_key="t:1", context={"message": "你好"})

    assert told.language == "zh-hans"
    assert told.title == "您有一条新通知"


def test_the_callers_language_wins_over_the_recipients(make_user):
    recipient = make_user(roles.TALENT)
    user_language_set(user=recipient, language="en")

    default = notify(kind="generic", recipient=recipient, event_key="t:2", context={"message": "hi"})
    chinese = notify(
        kind="generic", recipient=recipient, event_key="t:3", context={"message": "你好"}, language="zh-hans"
    )

    assert (default.language, default.title) == ("en", "You have a new notification")
    assert (chinese.language, chinese.title) == ("zh-hans", "您有一条新通知")
