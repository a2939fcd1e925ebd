"""The public 公示 pages: open to anyone, the held awards only, objections filed privately."""

import datetime
import hashlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.enums import AwardStatus, NoticeStatus
from awards.models import Objection, PublicNotice
from awards.views import OBJECTION_POSTS_PER_WINDOW
from projects.enums import ApplicationStatus
from society.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OBJECTOR = {
    "name": "张三丰",
    "phone": "13812345678",
    "email": "zhangsanfeng@example.com",
    "employer": "成都某设计研究院",
    "content": "该项目申报材料中列出的成果与事实不符，请核查。",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The rate limit lives in the cache: every test starts with none of it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def call(db):
    return factories.CallFactory(in_review=True, title="2023年度创建一流科技社团培育奖励申报")


def held_award(call, *, status=AwardStatus.PROPOSED, unit=None, title=None):
    application = factories.ApplicationFactory(
        call=call,
        status=ApplicationStatus.PUBLICIZED,
        member_unit=factories.MemberUnitFactory(**({"name": unit} if unit else {})),
        **({"title": title} if title else {}),
    )
    return factories.AwardFactory(application=application, status=status)


def make_notice(call, *, starts=-1, ends=5, **fields) -> PublicNotice:
    today = timezone.localdate()
    return PublicNotice.objects.create(
        call=call,
        title=fields.pop("title", f"{call.title}拟奖励项目公示"),
        body="经形式审查、专家评审，现将拟奖励项目予以公示。",
        starts_on=today + datetime.timedelta(days=starts),
        ends_on=today + datetime.timedelta(days=ends),
        published_at=fields.pop("published_at", timezone.now()),
        **fields,
    )


@pytest.fixture
def award(call):
    return held_award(
        call, unit="四川蜀道建设集团有限公司", title="桥梁隧道智能检测科技服务团队建设"
    )


@pytest.fixture
def notice(call, award):
    return make_notice(call)


def detail_url(notice) -> str:
    return reverse("awards:notice-detail", args=[notice.pk])


def objection_data(**overrides) -> dict:
    data = {**OBJECTOR, "evidence": SimpleUploadedFile("证明材料.pdf", PDF)}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def page_text(response) -> str:
    return response.content.decode()


# --- open to everyone -------------------------------------------------------------------


def test_public_pages_open_for_everyone_without_login(client, any_role, notice):
    if any_role is not None:
        client.force_login(any_role)
    for url in (reverse("awards:notice-list"), detail_url(notice)):
        response = client.get(url)
        assert response.status_code == 200, url
    assert notice.title in page_text(response)


def test_unknown_notice_is_404(client, db):
    assert client.get(reverse("awards:notice-detail", args=[999])).status_code == 404


def test_list_shows_notices_newest_first(client, call, award):
    older_call = factories.CallFactory(year=2022, title="2022年度培育奖励申报")
    make_notice(
        older_call,
        title="2022年度拟奖励项目公示",
        published_at=timezone.now() - datetime.timedelta(days=365),
    )
    make_notice(call, title="2023年度拟奖励项目公示")
    text = page_text(client.get(reverse("awards:notice-list")))
    assert text.index("2023年度拟奖励项目公示") < text.index("2022年度拟奖励项目公示")


def test_notice_shows_period_and_only_held_awards(client, call, award):
    confirmed = held_award(
        call, status=AwardStatus.CONFIRMED, unit="四川华西集团有限公司", title="韧性城市服务团队"
    )
    withdrawn = held_award(
        call, status=AwardStatus.WITHDRAWN, unit="撤回单位有限公司", title="已撤回的项目"
    )
    revoked = held_award(
        call, status=AwardStatus.REVOKED, unit="撤销单位有限公司", title="已撤销的项目"
    )
    other_call = factories.CallFactory(year=2022, title="其他批次")
    elsewhere = held_award(other_call, unit="其他批次单位有限公司", title="其他批次的项目")
    # Thursday to the next Wednesday: 7 days, 5 of them working days.
    notice = PublicNotice.objects.create(
        call=call,
        title="拟奖励项目公示",
        body="公示说明",
        starts_on=datetime.date(2023, 9, 14),
        ends_on=datetime.date(2023, 9, 20),
        published_at=timezone.now(),
    )

    text = page_text(client.get(detail_url(notice)))

    assert "2023年9月14日 至 2023年9月20日（5 个工作日）" in text
    for shown in (award, confirmed):
        assert shown.application.title in text
        assert str(shown.application.applicant) in text
    assert text.count("¥3,000.00") == 2
    assert "¥6,000.00" in text  # the total
    for hidden in (withdrawn, revoked, elsewhere):
        assert hidden.application.title not in text
        assert str(hidden.application.applicant) not in text


def test_confirmed_notice_shows_the_result_and_no_form(client, call):
    held_award(call, status=AwardStatus.CONFIRMED, title="韧性城市服务团队")
    notice = make_notice(
        call,
        starts=-10,
        ends=-3,
        status=NoticeStatus.CONFIRMED,
        confirmed_at=timezone.make_aware(datetime.datetime(2023, 9, 22, 10)),
    )
    text = page_text(client.get(detail_url(notice)))
    assert "结果已于 2023年9月22日 确认：以下 1 个项目获奖" in text
    assert "获奖项目名单" in text
    assert 'name="content"' not in text


# --- objections -------------------------------------------------------------------------


def test_objection_is_stored_privately_and_staff_are_told(
    client, notice, award, staff_user, private_media
):
    response = client.post(
        detail_url(notice), objection_data(award=award.pk), REMOTE_ADDR="203.0.113.9"
    )

    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.name, objection.phone, objection.award) == ("张三丰", "13812345678", award)
    assert (objection.email, objection.employer) == (OBJECTOR["email"], OBJECTOR["employer"])
    assert objection.evidence_name == "证明材料.pdf"
    assert (private_media / objection.evidence.name).read_bytes() == PDF
    assert "203.0.113.9" not in objection.client_hash
    assert len(objection.client_hash) == 64
    assert Notification.objects.filter(user=staff_user, title__contains="异议").exists()
    followed = client.get(response.url)
    assert "您的异议已提交" in page_text(followed)


def test_the_same_client_gets_the_same_hash_and_another_client_another(client, notice):
    from awards.views import client_hash

    class Request:
        def __init__(self, address):
            self.META = {"REMOTE_ADDR": address}

    assert client_hash(Request("203.0.113.9")) == client_hash(Request("203.0.113.9"))
    assert client_hash(Request("203.0.113.9")) != client_hash(Request("203.0.113.10"))
    assert client_hash(Request("203.0.113.9")) != hashlib.sha256(b"203.0.113.9").hexdigest()


def test_public_pages_never_show_objectors(client, notice, private_media):
    client.post(detail_url(notice), objection_data())
    assert Objection.objects.count() == 1
    for url in (reverse("awards:notice-list"), detail_url(notice)):
        text = page_text(client.get(url))
        for value in OBJECTOR.values():
            assert value not in text, (url, value)
        assert "证明材料.pdf" not in text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "请填写真实姓名"),
        ({"name": " 张"}, "请填写真实姓名"),
        ({"phone": ""}, "请填写联系电话"),
        ({"phone": "12345"}, "请填写有效的联系电话"),
        ({"content": ""}, "请写明异议内容"),
        ({"content": "不对"}, "不少于10个字"),
        ({"email": "not-an-email"}, "请填写有效的电子邮箱"),
        ({"evidence": None}, "请上传证明材料"),
        ({"evidence": SimpleUploadedFile("a.exe", b"MZ\x90\x00")}, "不支持的文件类型"),
        ({"evidence": SimpleUploadedFile("a.pdf", b"MZ\x90\x00" * 10)}, "文件内容与扩展名"),
        ({"evidence": SimpleUploadedFile("a.pdf", b"")}, "文件是空的"),
        ({"award": 999999}, "所选项目不在本次公示名单中"),
    ],
)
def test_bad_objections_are_refused_with_their_message_and_store_nothing(
    client, notice, private_media, overrides, message
):
    response = client.post(detail_url(notice), objection_data(**overrides))

    assert response.status_code == 200
    assert message in page_text(response)
    assert not Objection.objects.exists()
    assert not any(private_media.rglob("*.*"))


def test_oversized_evidence_is_refused(client, notice, private_media, settings):
    settings.UPLOAD_MAX_BYTES = 100
    big = SimpleUploadedFile("证明.pdf", PDF + b"0" * 200)

    response = client.post(detail_url(notice), objection_data(evidence=big))

    assert "文件过大" in page_text(response)
    assert not Objection.objects.exists()
    assert not any(private_media.rglob("*.*"))


def test_an_award_of_another_call_cannot_be_chosen(client, notice, private_media):
    other = held_award(factories.CallFactory(year=2022), title="其他批次的项目")
    response = client.post(detail_url(notice), objection_data(award=other.pk))
    assert "所选项目不在本次公示名单中" in page_text(response)
    assert not Objection.objects.exists()


@pytest.mark.parametrize(("starts", "ends"), [(-8, -1), (1, 7)])
def test_outside_the_period_there_is_no_form_and_posts_are_refused(
    client, call, award, private_media, starts, ends
):
    notice = make_notice(call, starts=starts, ends=ends)
    text = page_text(client.get(detail_url(notice)))
    assert 'name="content"' not in text
    assert "现在不能提出异议" in text

    response = client.post(detail_url(notice), objection_data(), follow=True)

    assert "现在不能提出异议" in page_text(response)
    assert not Objection.objects.exists()
    assert not any(private_media.rglob("*.*"))


def test_the_form_is_shown_during_the_period(client, notice, award):
    text = page_text(client.get(detail_url(notice)))
    assert 'name="content"' in text
    assert f'<option value="{award.pk}">' in text


# --- the rate limit ---------------------------------------------------------------------


def test_the_sixth_post_in_the_window_is_refused_with_429(client, notice, private_media):
    for _ in range(OBJECTION_POSTS_PER_WINDOW):
        response = client.post(detail_url(notice), objection_data(name=""))
        assert response.status_code == 200
    assert not Objection.objects.exists()

    response = client.post(detail_url(notice), objection_data())

    assert response.status_code == 429
    assert "提交过于频繁" in page_text(response)
    assert not Objection.objects.exists()
    assert not any(private_media.rglob("*.*"))


def test_good_posts_count_too_and_other_clients_are_not_limited(client, notice, private_media):
    for _ in range(OBJECTION_POSTS_PER_WINDOW):
        assert client.post(detail_url(notice), objection_data()).status_code == 302
    assert client.post(detail_url(notice), objection_data()).status_code == 429
    assert Objection.objects.count() == OBJECTION_POSTS_PER_WINDOW

    other = client.post(detail_url(notice), objection_data(), REMOTE_ADDR="198.51.100.7")

    assert other.status_code == 302
    assert Objection.objects.count() == OBJECTION_POSTS_PER_WINDOW + 1


def test_the_window_ends(client, notice, private_media):
    for _ in range(OBJECTION_POSTS_PER_WINDOW + 1):
        client.post(detail_url(notice), objection_data(name=""))
    assert client.post(detail_url(notice), objection_data()).status_code == 429
    cache.clear()  # what the window's expiry does
    assert client.post(detail_url(notice), objection_data()).status_code == 302


def test_closed_period_posts_count_towards_the_limit(client, call, award):
    notice = make_notice(call, starts=-8, ends=-1)
    for _ in range(OBJECTION_POSTS_PER_WINDOW):
        assert client.post(detail_url(notice), objection_data()).status_code == 302
    assert client.post(detail_url(notice), objection_data()).status_code == 429


# --- query counts -----------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_notice_page_queries_do_not_grow_with_the_awards(client, call, award):
    notice = make_notice(call)
    url = detail_url(notice)
    few = count_queries(client, url)
    for n in range(5):
        held_award(call, unit=f"四川测试单位{n}有限公司")
    held_award(call, status=AwardStatus.CONFIRMED)
    branch_application = factories.ApplicationFactory(
        call=call, member_unit=None, branch=factories.BranchFactory()
    )
    factories.AwardFactory(application=branch_application)
    assert count_queries(client, url) == few


def test_notice_list_queries_do_not_grow(client, call, award):
    make_notice(call)
    url = reverse("awards:notice-list")
    few = count_queries(client, url)
    for year in (2020, 2021, 2022):
        make_notice(factories.CallFactory(year=year))
    assert count_queries(client, url) == few


def test_notice_list_fitting_on_one_page_is_one_query(client, db):
    """A list that fits on its first page is read once, without a COUNT beside it."""
    for day in range(3):
        make_notice(factories.CallFactory(year=2000 + day), title=f"第{day}号公示")
    with CaptureQueriesContext(connection) as queries:
        page = page_text(client.get(reverse("awards:notice-list")))
    notice_queries = [q["sql"] for q in queries if "awards_publicnotice" in q["sql"]]
    assert len(notice_queries) == 1
    assert "COUNT" not in notice_queries[0].upper()
    assert all(f"第{day}号公示" in page for day in range(3))
    assert "第 1 /" not in page  # no page links for a single page


@pytest.mark.parametrize("extra", [0, 1, 5])
def test_notice_list_pages_through_more_than_a_page(client, db, extra):
    """Past 20 notices the list counts them and pages as before: newest first, none lost
    or shown twice, the page links showing the right total."""
    now = timezone.now()
    for n in range(20 + extra):
        make_notice(
            factories.CallFactory(year=1990 + n),
            title=f"公示{n:02d}号",
            published_at=now - datetime.timedelta(hours=n),
        )
    url = reverse("awards:notice-list")
    first = client.get(url)
    shown = [notice.title for notice in first.context["notices"]]
    if extra:
        second = client.get(url, {"page": 2})
        shown += [notice.title for notice in second.context["notices"]]
        assert "第 1 / 2 页" in page_text(first)
    else:
        assert "第 1 /" not in page_text(first)
    assert shown == [f"公示{n:02d}号" for n in range(20 + extra)]


def test_notice_list_without_notices_says_so(client, db):
    response = client.get(reverse("awards:notice-list"))
    assert response.status_code == 200
    assert "目前没有公示" in page_text(response)
