"""信息发布: the public list and detail pages, attachments, and the secretariat's admin."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from society.errors import DomainError
from society.models import Article, ArticleAttachment, AuditEntry
from society.services.publishing import article_attachment_add
from tests import factories
from tests.conftest import ROLE_FIXTURES

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def article(days_ago=1, published=True, **fields):
    values = {
        "kind": "news",
        "title": "学会召开年度工作会议",
        "body": "会议总结了本年度工作。",
        "publish_at": timezone.now() - datetime.timedelta(days=days_ago),
        "published": published,
    }
    values.update(fields)
    return Article.objects.create(**values)


def attach(item, name="通知.pdf", content=PDF):
    attachment = ArticleAttachment(article=item, original_name=name, size=len(content))
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


# --- who may open which page ---------------------------------------------------------


@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES])
def test_public_pages_for_everyone(client, request, role):
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    item = article()
    attachment = attach(item)
    assert client.get(reverse("article-list")).status_code == 200
    assert client.get(reverse("article-detail", args=[item.pk])).status_code == 200
    assert client.get(reverse("article-attachment", args=[attachment.pk])).status_code == 200


@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES])
@pytest.mark.parametrize("fields", [{"published": False}, {"days_ago": -1}])
def test_unpublished_or_future_articles_do_not_exist(client, request, role, fields):
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    item = article(**fields)
    attachment = attach(item)
    assert client.get(reverse("article-detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("article-attachment", args=[attachment.pk])).status_code == 404


# --- the list --------------------------------------------------------------------------


def test_list_shows_only_published_past_articles_newest_first(client, db):
    article(days_ago=5, title="较早的新闻")
    article(days_ago=1, title="最新的新闻")
    article(published=False, title="草稿")
    article(days_ago=-2, title="定时发布的通知")
    response = client.get(reverse("article-list"))
    assert [a.title for a in response.context["articles"]] == ["最新的新闻", "较早的新闻"]
    page = response.content.decode()
    assert "草稿" not in page
    assert "定时发布的通知" not in page


def test_search_by_title_or_body_and_filter_by_kind(client, db):
    article(title="装配式建筑技术培训班开班", kind="activity")
    article(title="年度工作会议", body="会议部署了装配式建筑推广工作。", kind="news")
    article(title="理事会换届公示", kind="notice")
    url = reverse("article-list")
    found = client.get(url, {"q": "装配式"}).context["articles"]
    assert {a.title for a in found} == {"装配式建筑技术培训班开班", "年度工作会议"}
    found = client.get(url, {"q": "装配式", "kind": "activity"}).context["articles"]
    assert [a.title for a in found] == ["装配式建筑技术培训班开班"]
    response = client.get(url, {"q": "不存在的词"})
    assert "没有符合条件的信息" in response.content.decode()


def test_list_is_paginated_and_keeps_the_search(client, db):
    for n in range(25):
        article(days_ago=n + 1, title=f"新闻{n}")
    response = client.get(reverse("article-list"), {"q": "新闻"})
    assert len(response.context["articles"]) == 20
    assert "?q=%E6%96%B0%E9%97%BB&amp;page=2" in response.content.decode()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_list_query_count_does_not_grow(client, db):
    call = factories.CallFactory()
    article(kind="call", call=call)
    small = count_queries(client, reverse("article-list"))
    for n in range(8):
        article(kind="call", call=factories.CallFactory(), title=f"申报通知{n}")
    assert count_queries(client, reverse("article-list")) == small


# --- the detail ------------------------------------------------------------------------


def test_call_notice_links_to_its_call(client, unit_officer):
    call = factories.CallFactory()
    item = article(kind="call", call=call, title="关于申报培育奖励的通知")
    page = client.get(reverse("article-detail", args=[item.pk])).content.decode()
    link = reverse("projects:call-detail", args=[call.pk])
    assert f'href="{link}"' in page
    client.force_login(unit_officer)
    assert client.get(link).status_code == 200


def test_other_articles_have_no_call_link(client, db):
    item = article(kind="news")
    page = client.get(reverse("article-detail", args=[item.pk])).content.decode()
    assert "进入申报页面" not in page


def test_attachment_downloads_with_its_name(client, db):
    item = article()
    attachment = attach(item, name="申报指南.pdf")
    page = client.get(reverse("article-detail", args=[item.pk])).content.decode()
    assert "申报指南.pdf" in page
    response = client.get(reverse("article-attachment", args=[attachment.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


# --- the admin -------------------------------------------------------------------------


def admin_post_data(**fields):
    data = {
        "kind": "announcement",
        "title": "关于开展会员宣传月活动的通知",
        "summary": "",
        "body": "各分支机构：……",
        "publish_at_0": "2024-03-01",
        "publish_at_1": "09:00:00",
        "published": "on",
        "call": "",
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_staff_publish_with_an_attachment_in_the_admin(client, staff_user, private_media):
    client.force_login(staff_user)
    upload = SimpleUploadedFile("活动方案.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("admin:society_article_add"), admin_post_data(**{"attachments-0-file": upload})
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    item = Article.objects.get()
    assert item.author == staff_user
    assert [a.original_name for a in item.attachments.all()] == ["活动方案.pdf"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"society.article.created", "society.article.attachment_added"} <= actions
    assert client.get(reverse("article-detail", args=[item.pk])).status_code == 200
    change_page = client.get(reverse("admin:society_article_change", args=[item.pk]))
    assert "活动方案.pdf" in change_page.content.decode()


def test_admin_refuses_a_disguised_attachment(client, staff_user, private_media):
    client.force_login(staff_user)
    upload = SimpleUploadedFile("方案.pdf", b"MZ this is no pdf")
    response = client.post(
        reverse("admin:society_article_add"), admin_post_data(**{"attachments-0-file": upload})
    )
    assert response.status_code == 200
    assert "文件内容与扩展名" in response.content.decode()
    assert not Article.objects.exists()
    assert not [p for p in private_media.rglob("*") if p.is_file()]


@pytest.mark.parametrize("role", [r for r in ROLE_FIXTURES if r != "staff_user"])
def test_only_staff_use_the_article_admin(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("admin:society_article_changelist"))
    assert response.status_code in (302, 403)


def test_only_staff_add_attachments(unit_officer):
    with pytest.raises(DomainError):
        article_attachment_add(
            article=article(), user=unit_officer, file=SimpleUploadedFile("a.pdf", PDF)
        )
    assert not ArticleAttachment.objects.exists()
