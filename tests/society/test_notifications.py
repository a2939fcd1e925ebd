"""站内通知: each user's own inbox, opening and marking read, the navbar badge."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from society.models import Notification

LIST = reverse("notification_list")
READ_ALL = reverse("notification_read_all")
LOGIN = reverse("login")


def note(user, title="申报“桥梁项目”：已提交", url="/applications/1/", **kwargs):
    return Notification.objects.create(user=user, title=title, url=url, **kwargs)


def open_url(notification):
    return reverse("notification_open", args=[notification.pk])


def test_every_role_has_an_inbox(client, any_role):
    if any_role is None:
        response = client.get(LIST)
        assert response.status_code == 302
        assert response.url == f"{LOGIN}?next={LIST}"
        return
    client.force_login(any_role)
    assert client.get(LIST).status_code == 200


def test_list_shows_only_own_notifications_newest_first(client, expert_user, unit_officer):
    older = note(expert_user, title="您有1项新的评审任务")
    newer = note(expert_user, title="评审已重新开放：城市更新项目", body="分数录入有误")
    note(unit_officer, title="别人的通知")
    client.force_login(expert_user)
    response = client.get(LIST)
    assert list(response.context["notifications"]) == [newer, older]
    page = response.content.decode()
    assert "分数录入有误" in page
    assert "别人的通知" not in page


def test_unread_are_highlighted(client, expert_user):
    unread = note(expert_user, title="未读的那条")
    read = note(expert_user, title="已读的那条")
    Notification.objects.filter(pk=read.pk).update(read_at="2023-06-01T10:00:00+08:00")
    client.force_login(expert_user)
    page = client.get(LIST).content.decode()
    assert f'aria-describedby="unread-{unread.pk}"' in page
    assert f'aria-describedby="unread-{read.pk}"' not in page
    assert page.count("list-group-item-primary") == 1


def test_list_is_paginated(client, expert_user):
    for i in range(25):
        note(expert_user, title=f"通知{i:02d}")
    client.force_login(expert_user)
    first = client.get(LIST)
    assert len(first.context["notifications"]) == 20
    assert "通知24" in first.content.decode()
    second = client.get(LIST, {"page": 2})
    assert [n.title for n in second.context["notifications"]] == [
        f"通知{i:02d}" for i in range(4, -1, -1)
    ]


def test_empty_inbox_says_so(client, member_user):
    client.force_login(member_user)
    page = client.get(LIST).content.decode()
    assert "暂无通知" in page
    assert "全部标为已读" not in page


def test_opening_marks_read_and_follows_the_link(client, expert_user):
    notification = note(expert_user, url="/review/")
    client.force_login(expert_user)
    response = client.get(open_url(notification))
    assert response.status_code == 302
    assert response.url == "/review/"
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    client.get(open_url(notification))
    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_notification_without_link_goes_back_to_the_list(client, expert_user):
    notification = note(expert_user, url="")
    client.force_login(expert_user)
    response = client.get(open_url(notification))
    assert response.url == LIST
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "///evil.example",
        "javascript:alert(1)",
        "http://testserver/review/",
        "review/",
    ],
)
def test_off_site_links_are_never_followed(client, expert_user, url):
    notification = note(expert_user, url=url)
    client.force_login(expert_user)
    response = client.get(open_url(notification))
    assert response.status_code == 302
    assert response.url == LIST
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "该通知的链接不在本平台内" in client.get(LIST).content.decode()


def test_someone_elses_notification_is_404_and_stays_unread(client, expert_user, unit_officer):
    notification = note(unit_officer)
    client.force_login(expert_user)
    assert client.get(open_url(notification)).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_anonymous_cannot_open_a_notification(client, expert_user):
    notification = note(expert_user)
    response = client.get(open_url(notification))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_own(client, expert_user, unit_officer):
    mine = [note(expert_user), note(expert_user)]
    theirs = note(unit_officer)
    client.force_login(expert_user)
    response = client.post(READ_ALL)
    assert response.status_code == 302
    assert response.url == LIST
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "已将全部通知标为已读" in client.get(LIST).content.decode()


def test_mark_all_read_is_post_only(client, expert_user):
    note(expert_user)
    client.force_login(expert_user)
    assert client.get(READ_ALL).status_code == 405
    assert Notification.objects.filter(read_at=None).count() == 1


def test_mark_all_read_needs_sign_in(client, expert_user):
    note(expert_user)
    assert client.post(READ_ALL).status_code == 302
    assert Notification.objects.filter(read_at=None).count() == 1


# --- the navbar badge ------------------------------------------------------------------


def test_badge_counts_own_unread(client, expert_user, unit_officer):
    note(expert_user)
    note(expert_user)
    read = note(expert_user)
    Notification.objects.filter(pk=read.pk).update(read_at="2023-06-01T10:00:00+08:00")
    note(unit_officer)
    client.force_login(expert_user)
    response = client.get(reverse("home"))
    assert response.context["unread_notifications"] == 2
    assert '<span class="badge rounded-pill text-bg-danger" data-testid="unread-badge">2' in (
        response.content.decode()
    )


def test_badge_hidden_when_all_read(client, expert_user):
    client.force_login(expert_user)
    page = client.get(reverse("home")).content.decode()
    assert "unread-badge" not in page
    assert f'href="{LIST}"' in page


def test_badge_caps_at_99(client, expert_user):
    Notification.objects.bulk_create(
        [Notification(user=expert_user, title=f"通知{i}") for i in range(120)]
    )
    client.force_login(expert_user)
    assert 'data-testid="unread-badge">99+' in client.get(reverse("home")).content.decode()


def test_no_badge_and_no_query_for_anonymous(client, db):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(LOGIN).content.decode()
    assert "unread-badge" not in page
    assert not any("society_notification" in q["sql"] for q in queries.captured_queries)


def test_badge_costs_one_query(client, expert_user):
    note(expert_user)
    client.force_login(expert_user)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("password_change"))
    assert sum("society_notification" in q["sql"] for q in queries.captured_queries) == 1


# --- query counts ----------------------------------------------------------------------


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(client, expert_user):
    client.force_login(expert_user)
    note(expert_user)
    small = count_queries(client, LIST)
    for i in range(30):  # two pages now
        note(expert_user, title=f"更多通知{i}")
    assert count_queries(client, LIST) == small


def test_mails_that_could_not_be_queued_are_sent_later(expert_user, member_user):
    import datetime

    from django.core import mail
    from django.utils import timezone

    from society.tasks import send_unsent_notification_mails

    for user, address in ((expert_user, "expert@example.org"), (member_user, "m@example.org")):
        user.email = address
        user.save(update_fields=["email"])
    now = timezone.now()
    waiting = note(expert_user, title="等待发送")
    sent = note(member_user, title="已发送", mailed_at=now)
    recent = note(member_user, title="仍在队列中")
    too_old = note(member_user, title="三天以前")
    Notification.objects.filter(pk__in=[waiting.pk, sent.pk]).update(
        created_at=now - datetime.timedelta(hours=1)
    )
    Notification.objects.filter(pk=too_old.pk).update(created_at=now - datetime.timedelta(days=4))

    assert send_unsent_notification_mails() == 1
    assert [m.to for m in mail.outbox] == [[expert_user.email]]
    assert "等待发送" in mail.outbox[0].subject
    waiting.refresh_from_db()
    recent.refresh_from_db()
    assert waiting.mailed_at is not None
    assert recent.mailed_at is None  # younger than ten minutes: its own task may still run
    assert send_unsent_notification_mails() == 0  # sent once
