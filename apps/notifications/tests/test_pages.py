"""The notifications page (``/my/notifications/``): a user's own in-app messages, read and unread, and
the unread count in every page's header."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts import roles
from apps.notifications.models import Notification
from apps.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/my/notifications/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read_url(notification: Notification) -> str:
    return f"{URL}{notification.pk}/read/"


def articles(html: str) -> list[str]:
    return re.findall(r"<article.*?</article>", html, re.S)


def titles(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", re.search(r"<h2>(.*?)</h2>", a, re.S).group(1)).replace("未读", "").strip()
        for a in articles(html)
    ]


def unread_titles(html: str) -> list[str]:
    return [
        t
        for t, a in zip(titles(html), articles(html), strict=True)
        if 'class="notification unread"' in a and '<span class="tag tag--action">未读</span>' in a
    ]


def header(html: str) -> str:
    return re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)


@pytest.fixture
def mine(talent, make_talent):
    """The talent's messages (two unread, one read), someone else's, and one not shown in-app."""
    older = NotificationFactory(recipient=talent, title="材料已收到")
    read = NotificationFactory(recipient=talent, title="已读的通知", read_at=timezone.now())
    newer = NotificationFactory(recipient=talent, title="申请已获批准", link="/my/applications/42/")
    NotificationFactory(recipient=talent, title="仅短信的通知", in_app=False)
    other = make_talent()
    theirs = NotificationFactory(recipient=other, title="别人的通知")
    return {"older": older, "read": read, "newer": newer, "theirs": theirs, "other": other}


def test_an_anonymous_visitor_is_sent_to_log_in():
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my/notifications/"


def test_the_page_lists_only_the_users_own_in_app_notifications_newest_first(talent, mine):
    response = logged_in(talent).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert titles(html) == ["申请已获批准", "已读的通知", "材料已收到"]
    assert unread_titles(html) == ["申请已获批准", "材料已收到"]
    assert "别人的通知" not in html
    assert "仅短信的通知" not in html


def test_an_unread_notification_offers_mark_read_and_one_with_a_link_offers_to_open_it(talent, mine):
    html = logged_in(talent).get(URL).content.decode()

    newer, read, older = articles(html)
    assert f'action="{read_url(mine["newer"])}"' in newer
    assert '<input type="hidden" name="open" value="1">' in newer
    assert "标为已读" in newer
    assert "标为已读" not in read
    assert '<input type="hidden" name="open" value="1">' not in older  # no link to open


def test_a_user_without_notifications_is_told_so(make_talent):
    html = logged_in(make_talent()).get(URL).content.decode()

    assert "暂无消息。" in html
    assert articles(html) == []


def test_hr_has_the_notifications_page_too(make_user):
    hr = make_user(roles.ENTERPRISE_HR)
    NotificationFactory(recipient=hr, title="人事的通知")

    html = logged_in(hr).get(URL).content.decode()

    assert titles(html) == ["人事的通知"]


def test_marking_one_read(talent, mine):
    client = logged_in(talent)

    response = client.post(read_url(mine["older"]))

    assert response.status_code == 302
    assert response["Location"] == URL
    mine["older"].refresh_from_db()
    assert mine["older"].read_at is not None
    mine["newer"].refresh_from_db()
    assert mine["newer"].read_at is None
    assert unread_titles(client.get(URL).content.decode()) == ["申请已获批准"]


def test_opening_one_marks_it_read_and_goes_to_its_link(talent, mine):
    response = logged_in(talent).post(read_url(mine["newer"]), {"open": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/my/applications/42/"
    mine["newer"].refresh_from_db()
    assert mine["newer"].read_at is not None


def test_opening_one_without_a_link_goes_back_to_the_list(talent, mine):
    response = logged_in(talent).post(read_url(mine["older"]), {"open": "1"})

    assert response.status_code == 302
    assert response["Location"] == URL


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/phish", "javascript:alert(1)"])
def test_an_external_link_is_never_followed(talent, link):
    notification = NotificationFactory(recipient=talent, link=link)

    response = logged_in(talent).post(read_url(notification), {"open": "1"})

    assert response.status_code == 302
    assert response["Location"] == URL
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_reading_again_keeps_the_first_read_time(talent, mine):
    first = mine["read"].read_at

    response = logged_in(talent).post(read_url(mine["read"]))

    assert response.status_code == 302
    mine["read"].refresh_from_db()
    assert mine["read"].read_at == first


def test_someone_elses_notification_is_a_404_and_stays_unread(talent, mine):
    client = logged_in(talent)

    for data in ({}, {"open": "1"}):
        response = client.post(read_url(mine["theirs"]), data)

        assert response.status_code == 404
        assert "页面不存在" in response.content.decode()
    mine["theirs"].refresh_from_db()
    assert mine["theirs"].read_at is None


def test_ones_own_notification_not_shown_in_app_is_a_404(talent):
    hidden = NotificationFactory(recipient=talent, in_app=False, link="/my/")

    response = logged_in(talent).post(read_url(hidden), {"open": "1"})

    assert response.status_code == 404
    hidden.refresh_from_db()
    assert hidden.read_at is None


def test_an_unknown_notification_is_a_404(talent):
    assert logged_in(talent).post(f"{URL}987654/read/").status_code == 404


def test_reading_by_get_is_405_and_changes_nothing(talent, mine):
    response = logged_in(talent).get(read_url(mine["older"]))

    assert response.status_code == 405
    mine["older"].refresh_from_db()
    assert mine["older"].read_at is None


def test_an_anonymous_read_is_sent_to_log_in_and_changes_nothing(mine):
    response = Client().post(read_url(mine["older"]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    mine["older"].refresh_from_db()
    assert mine["older"].read_at is None


def test_the_header_badge_shows_the_unread_count_on_every_page(talent, mine):
    client = logged_in(talent)

    for path in (URL, "/my/profile/", "/services/"):
        top = header(client.get(path).content.decode())

        assert '<span class="badge" aria-label="2条未读消息">2</span>' in top, path
        assert re.search(r'href="/my/notifications/">消息 <span class="badge">2</span></a>', top), path


def test_the_header_badge_follows_reading(talent, mine):
    client = logged_in(talent)
    client.post(read_url(mine["older"]))

    top = header(client.get(URL).content.decode())
    assert '<span class="badge" aria-label="1条未读消息">1</span>' in top

    client.post(read_url(mine["newer"]))
    top = header(client.get(URL).content.decode())
    assert 'class="badge"' not in top


def test_no_badge_without_unread_messages(make_talent):
    user = make_talent()
    NotificationFactory(recipient=user, read_at=timezone.now())
    NotificationFactory(recipient=user, in_app=False)

    top = header(logged_in(user).get(URL).content.decode())

    assert 'class="badge"' not in top


def test_the_list_is_paged_20_at_a_time(talent):
    for n in range(25):
        NotificationFactory(recipient=talent, title=f"通知{n:02d}")
    client = logged_in(talent)

    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()

    assert len(articles(first)) == 20
    assert titles(second) == [f"通知{n:02d}" for n in range(4, -1, -1)]
    assert "第 2 页，共 2 页" in second
    assert '<span class="badge" aria-label="25条未读消息">25</span>' in header(second)
