import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import roles
from apps.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/notifications/notification/"


@pytest.fixture
def district_admin(make_user):
    return make_user(roles.DISTRICT_ADMIN)


def test_changelist_query_count_does_not_grow_with_rows(
    client, district_admin, make_user, django_assert_max_num_queries
):
    client.force_login(district_admin)
    recipients = [make_user() for _ in range(3)]
    for recipient in recipients:
        NotificationFactory(recipient=recipient)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200

    for _ in range(15):
        NotificationFactory(recipient=make_user())
    with django_assert_max_num_queries(len(few)):
        response = client.get(CHANGELIST, {"sms_status__exact": "skipped", "kind": "application.approved"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 18


def test_admin_is_read_only_and_hides_codes(client, district_admin, talent):
    client.force_login(district_admin)
    claim = NotificationFactory(recipient=talent, kind="profile.claim_code", body="您的验证码为 987654", in_app=False)

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    page = client.get(f"{CHANGELIST}{claim.pk}/change/")
    assert page.status_code == 200
    assert "987654" not in page.content.decode()
    assert client.post(f"{CHANGELIST}{claim.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_talent_cannot_open_the_admin_list(client, talent):
    client.force_login(talent)
    assert client.get(CHANGELIST).status_code == 302
