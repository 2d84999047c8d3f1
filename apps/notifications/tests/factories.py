import itertools

import factory

from apps.notifications.models import DeliveryStatus, Notification

_events = itertools.count(1)


class NotificationFactory(factory.django.DjangoModelFactory):
    """A notification as ``notify`` leaves it once delivered; for list/read tests that do not send."""

    class Meta:
        model = Notification

    event_key = factory.LazyFunction(lambda: f"application:{next(_events)}:event:1")
    kind = "application.approved"
    language = "zh-hans"
    title = "申请已获批准"
    body = factory.LazyAttribute(lambda o: f"您的申请（{o.event_key}）已获批准。")
    email_status = DeliveryStatus.SKIPPED
    sms_status = DeliveryStatus.SKIPPED
