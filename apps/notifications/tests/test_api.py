import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def _read_url(notification) -> str:
    return f"{URL}{notification.pk}/read/"


def test_list_shows_only_the_callers_own_newest_first(talent, make_talent, client_for):
    other = make_talent()
    older = NotificationFactory(recipient=talent, title="旧通知")
    newer = NotificationFactory(recipient=talent, title="新通知", link="/applications/3/")
    NotificationFactory(recipient=other, title="别人的通知")
    NotificationFactory(recipient=talent, in_app=False, title="仅短信")

    response = client_for(talent).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None and body["previous"] is None
    assert [item["id"] for item in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0] == {
        "id": newer.pk,
        "kind": "application.approved",
        "title": "新通知",
        "body": newer.body,
        "link": "/applications/3/",
        "created_at": body["results"][0]["created_at"],
        "read_at": None,
    }


def test_unread_filter(talent, client_for):
    unread = NotificationFactory(recipient=talent)
    NotificationFactory(recipient=talent, read_at=timezone.now())
    client = client_for(talent)

    assert [n["id"] for n in client.get(URL, {"unread": "true"}).json()["results"]] == [unread.pk]
    assert client.get(URL, {"unread": "false"}).json()["count"] == 2
    bad = client.get(URL, {"unread": "perhaps"})
    assert bad.status_code == 400
    assert list(bad.json()) == ["unread"]


def test_unauthenticated_is_401(api_client, talent):
    notification = NotificationFactory(recipient=talent)

    assert api_client.get(URL).status_code == 401
    assert api_client.post(_read_url(notification)).status_code == 401
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_mark_read_is_idempotent(talent, client_for):
    notification = NotificationFactory(recipient=talent)
    client = client_for(talent)

    first = client.post(_read_url(notification))
    assert first.status_code == 200
    assert first.json()["id"] == notification.pk
    assert first.json()["read_at"] is not None
    read_at = Notification.objects.get(pk=notification.pk).read_at

    second = client.post(_read_url(notification))
    assert second.status_code == 200
    assert second.json()["read_at"] == first.json()["read_at"]
    assert Notification.objects.get(pk=notification.pk).read_at == read_at
    assert client.get(URL, {"unread": "true"}).json()["count"] == 0


def test_mark_read_of_another_users_notification_is_404_and_changes_nothing(talent, make_talent, client_for):
    theirs = NotificationFactory(recipient=make_talent())
    sms_only = NotificationFactory(recipient=talent, in_app=False)
    client = client_for(talent)

    for notification in (theirs, sms_only):
        response = client.post(_read_url(notification))
        assert response.status_code == 404
        assert response.json() == {"detail": "not found"}
    assert client.post(f"{URL}999999/read/").status_code == 404
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_list_query_count_does_not_grow_with_page_size(talent, client_for, django_assert_max_num_queries):
    client = client_for(talent)
    NotificationFactory.create_batch(3, recipient=talent)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL, {"page_size": 100}).json()["results"]) == 3

    NotificationFactory.create_batch(60, recipient=talent)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(URL, {"page_size": 100}).json()["results"]) == 63
    assert len(few) <= 3  # token (with its user), count, page


def test_schema_documents_the_endpoints(api_client):
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()

    assert "/api/v1/notifications/" in schema["paths"]
    assert "/api/v1/notifications/{id}/read/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/notifications/"]["get"]["parameters"]}
    assert {"unread", "page", "page_size"} <= parameters
