import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from apps.notifications.models import Notification
from apps.notifications.services import notify

pytestmark = [pytest.mark.postgres]


def test_concurrent_notify_for_one_event_writes_one_row_and_sends_once(transactional_db, talent, sms_outbox):
    """Two workers replaying the same event at the same moment: the unique constraint lets one insert win;
    the other waits for it, finds the row and enqueues nothing."""
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def replay() -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                notification = notify(
                    kind="application.approved",
                    recipient=talent,
                    event_key="application:9:event:30",
                    context={"service": "人才公寓", "number": "HZ-9"},
                )
                results.append(notification.pk)
        except Exception as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=replay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1
