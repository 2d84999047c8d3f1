import pytest
from django.core import mail
from django.db import connection, transaction

from apps.core.exceptions import ValidationFailed
from apps.notifications import selectors
from apps.notifications.models import DeliveryStatus, Notification
from apps.notifications.services import notify

pytestmark = pytest.mark.django_db

RETURNED = {
    "service": "人才入户",
    "number": "HZ-2026-000042",
    "problems": ["身份证复印件不清晰"],
    "missing_materials": ["学历证书"],
}


class Boom(Exception):
    pass


def _notify_returned(recipient, /, **kwargs):
    params = {
        "kind": "application.returned",
        "recipient": recipient,
        "event_key": "application:42:event:117",
        "context": RETURNED,
        "link": "/applications/42/",
    }
    return notify(**(params | kwargs))


def test_notify_writes_one_row_and_sends_email_and_sms_once_in_chinese(
    talent, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = _notify_returned(talent)
        # Nothing leaves before the transaction commits.
        assert mail.outbox == [] and sms_outbox == []

    assert len(callbacks) == 1  # one task for both channels
    notification.refresh_from_db()
    assert Notification.objects.count() == 1
    assert notification.recipient == talent
    assert notification.kind == "application.returned"
    assert notification.language == "zh-hans"
    assert notification.title == "申请已退回，请修改后重新提交"
    assert notification.body == (
        "您的人才入户申请（编号 HZ-2026-000042）已退回，请按以下一次性告知的全部内容修改后重新提交。\n"
        "存在问题：身份证复印件不清晰\n需补充材料：学历证书"
    )
    assert notification.read_at is None
    assert (notification.email_status, notification.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert notification.email_sent_at is not None and notification.sms_sent_at is not None

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [talent.email]
    assert message.subject == "申请已退回，请修改后重新提交"
    assert message.body.startswith(notification.body + "\n\n查看详情: /applications/42/\n\n")
    assert message.from_email == "noreply@rsj.haizhu.gov.cn"

    assert [(m.to, m.body) for m in sms_outbox] == [
        (
            talent.phone,
            "【海珠人才】申请已退回，请修改后重新提交：您的人才入户申请（编号 HZ-2026-000042）已退回，"
            "请按以下一次性告知的全部内容修改后重新提交。 存在问题：身份证复印件不清晰 需补充材料：学历证书"
            " /applications/42/",  # the page to open (absolute with PORTAL_BASE_URL)
        )
    ]


def test_notify_in_english(talent, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            kind="application.rejected",
            recipient=talent,
            event_key="application:7:event:3",
            context={"service": "talent subsidy", "number": "HZ-7", "reason": "not eligible"},
            language="en-us",
        )

    notification.refresh_from_db()
    assert notification.language == "en"
    assert notification.title == "Application rejected"
    assert notification.body == (
        "We are sorry: your talent subsidy application (HZ-7) has been rejected.\nReason: not eligible"
    )
    assert [m.subject for m in mail.outbox] == ["Application rejected"]
    assert mail.outbox[0].body.endswith("— Haizhu Talent Services Portal (automatic message, please do not reply)")
    assert [m.body for m in sms_outbox] == [
        "[Haizhu Talent] Application rejected: We are sorry: your talent subsidy application (HZ-7) has been "
        "rejected. Reason: not eligible"
    ]


def test_the_same_event_notifies_the_same_person_once(talent, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify_returned(talent)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _notify_returned(talent, context=RETURNED | {"note": "changed"})

    assert second.pk == first.pk
    assert second.body == first.body
    assert callbacks == []
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1


def test_the_same_event_still_reaches_each_person_and_each_kind(
    make_talent, sms_outbox, django_capture_on_commit_callbacks
):
    applicant, hr = make_talent(), make_talent()
    with django_capture_on_commit_callbacks(execute=True):
        _notify_returned(applicant)
        _notify_returned(hr)
        _notify_returned(applicant, kind="application.rejected")

    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 3
    assert len(sms_outbox) == 3


def test_a_rolled_back_transaction_sends_nothing_and_leaves_no_row(
    talent, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            _notify_returned(talent)
            raise Boom

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []
    assert sms_outbox == []


def test_no_phone_skips_sms_and_no_email_skips_email(make_talent, sms_outbox, django_capture_on_commit_callbacks):
    no_phone = make_talent(phone=None)
    no_email = make_talent(email=None)
    with django_capture_on_commit_callbacks(execute=True):
        a = _notify_returned(no_phone)
        b = _notify_returned(no_email)

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.email_status, a.sms_status, a.sms_sent_at) == (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, None)
    assert (b.email_status, b.sms_status, b.email_sent_at) == (DeliveryStatus.SKIPPED, DeliveryStatus.SENT, None)
    assert [m.to for m in mail.outbox] == [[no_phone.email]]
    assert [m.to for m in sms_outbox] == [no_email.phone]


def test_channels_not_asked_for_are_skipped_and_inapp_controls_the_listing(
    talent, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inapp_only = _notify_returned(talent, channels=("inapp",))
        email_only = _notify_returned(talent, kind="application.approved", channels=("email",))

    inapp_only.refresh_from_db()
    email_only.refresh_from_db()
    assert (inapp_only.email_status, inapp_only.sms_status) == (DeliveryStatus.SKIPPED, DeliveryStatus.SKIPPED)
    assert (email_only.email_status, email_only.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SKIPPED)
    assert len(mail.outbox) == 1 and sms_outbox == []
    assert list(selectors.notifications_for_user(talent)) == [inapp_only]


def test_sms_to_texts_another_number_which_is_stored_encrypted(talent, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            kind="application.approved",
            recipient=talent,
            event_key="application:5:event:9",
            context={"service": "人才公寓", "number": "HZ-5"},
            channels=("sms",),
            sms_to="+86 139-0013-9555",
        )

    assert [m.to for m in sms_outbox] == ["13900139555"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT sms_to FROM notifications_notification WHERE id = %s", [notification.pk])
        (stored,) = cursor.fetchone()
    assert stored and "13900139555" not in stored


def test_a_claim_code_goes_by_sms_only_and_is_not_kept(talent, sms_outbox, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationFailed) as error:
        notify(
            kind="profile.claim_code",
            recipient=talent,
            event_key="claim:1",
            context={"code": "123456"},
            sms_to="13900139556",
        )
    assert "channels" in error.value.as_data()

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            kind="profile.claim_code",
            recipient=talent,
            event_key="claim:1",
            context={"code": "123456", "expires_at": "10:15"},
            channels=("sms",),
            sms_to="13900139556",
        )

    assert [m.to for m in sms_outbox] == ["13900139556"]
    assert "123456" in sms_outbox[0].body
    assert mail.outbox == []
    notification.refresh_from_db()
    assert "123456" not in notification.body
    assert notification.body == "（验证码内容不予保留）"
    assert list(selectors.notifications_for_user(talent)) == []


def test_a_claim_code_with_no_number_to_text_is_not_kept_either(make_talent, sms_outbox):
    no_phone = make_talent(phone=None)

    notification = notify(
        kind="profile.claim_code",
        recipient=no_phone,
        event_key="claim:2",
        context={"code": "654321"},
        channels=("sms",),
        language="en",
    )

    assert notification.sms_status == DeliveryStatus.SKIPPED
    assert Notification.objects.get(pk=notification.pk).body == "(The code itself is not kept.)"
    assert sms_outbox == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"link": "https://evil.example/phish"}, "link"),
        ({"link": "//evil.example/"}, "link"),
        ({"channels": ("inapp", "wechat")}, "channels"),
        ({"event_key": " "}, "event_key"),
        ({"kind": ""}, "kind"),
        ({"sms_to": "12345"}, "sms_to"),
        ({"recipient": None}, "recipient"),
    ],
)
def test_bad_arguments_name_the_field_and_write_nothing(talent, kwargs, field, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as error:
        _notify_returned(talent, **kwargs)

    assert list(error.value.as_data()) == [field]
    assert Notification.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_real_rollback_leaves_nothing_and_a_real_commit_sends(talent, sms_outbox):
    with pytest.raises(Boom), transaction.atomic():
        _notify_returned(talent)
        raise Boom

    assert Notification.objects.count() == 0
    assert mail.outbox == [] and sms_outbox == []

    with transaction.atomic():
        notification = _notify_returned(talent)
        assert mail.outbox == [] and sms_outbox == []

    notification.refresh_from_db()
    assert (notification.email_status, notification.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
