import datetime
import io
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError
from pypdf import PdfReader

from kpis.enums import ReportStatus
from kpis.models import ProgressReport
from kpis.tasks import build_progress_report
from tests.conftest import ROLE_FIXTURES
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
LOGIN = reverse("login")
BROKER_DOWN = "报告服务暂时不可用（消息队列无法连接），请稍后再试或联系管理员。"
ALLOWED = {"staff_user", "leader_user"}
MOMENT = datetime.datetime(2023, 9, 28, 9, 30, 41, tzinfo=BEIJING)


def make_report(as_of=MOMENT, status=ReportStatus.READY, **fields):
    report = ProgressReport.objects.create(year=2023, as_of=as_of, status=status, **fields)
    if status == ReportStatus.READY:
        for kind, content in (
            ("html", b"<!DOCTYPE html><p>report"),
            ("pdf", b"%PDF-1.4 report"),
            ("xlsx", b"PK\x03\x04 report"),
        ):
            getattr(report, kind).save(f"report.{kind}", ContentFile(content), save=False)
        report.save()
    return report


@pytest.fixture
def ready_report(staff_user):
    return make_report(requested_by=staff_user)


@pytest.fixture
def now(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: MOMENT)
    return MOMENT


def page_urls(report):
    return [
        reverse("kpis:report-list"),
        reverse("kpis:report-detail", args=[report.pk]),
        reverse("kpis:report-status", args=[report.pk]),
        reverse("kpis:report-download", args=[report.pk, "pdf"]),
        reverse("kpis:dossier") + "?year=2023",
    ]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_only_secretariat_and_leaders_see_reports(client, request, ready_report, role):
    client.force_login(request.getfixturevalue(role))
    for url in page_urls(ready_report):
        expected = 200 if role in ALLOWED else 403
        assert client.get(url).status_code == expected, url
    response = client.post(reverse("kpis:report-list"), {"year": 2023})
    assert response.status_code == (302 if role in ALLOWED else 403)
    assert ProgressReport.objects.count() == (2 if role in ALLOWED else 1)


def test_anonymous_visitors_sign_in_first(client, ready_report):
    for url in page_urls(ready_report):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{LOGIN}?next={quote(url)}"
    response = client.post(reverse("kpis:report-list"), {"year": 2023})
    assert response.url.startswith(LOGIN)
    assert ProgressReport.objects.count() == 1


# --- asking for a report ---------------------------------------------------------------------


def test_leader_asks_for_a_report_and_gets_it(client, leader_user, now):
    RecordFactory.create_batch(2, indicator=indicator("I06"))
    client.force_login(leader_user)
    response = client.post(reverse("kpis:report-list"), {"year": 2023}, follow=True)
    report = ProgressReport.objects.get()
    assert response.redirect_chain == [(reverse("kpis:report-detail", args=[report.pk]), 302)]
    assert report.as_of == MOMENT.replace(second=0)  # truncated to the minute
    assert report.requested_by == leader_user
    assert not report.scheduled
    assert report.status == ReportStatus.READY  # eager: built within the request
    assert "已开始生成进展报告，本页会自动显示进度。" in messages_of(response)
    page = response.content.decode()
    assert reverse("kpis:report-download", args=[report.pk, "pdf"]) in page
    assert 'hx-trigger="every 2s"' not in page

    pdf = client.get(reverse("kpis:report-download", args=[report.pk, "pdf"]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(pdf))).pages)
    assert "转化科技成果" in text


def test_asking_twice_in_the_same_minute_gives_the_same_report(client, staff_user, now):
    client.force_login(staff_user)
    client.post(reverse("kpis:report-list"), {"year": 2023})
    response = client.post(reverse("kpis:report-list"), {"year": 2023}, follow=True)
    assert ProgressReport.objects.count() == 1
    assert "这一时点的报告已经生成，可以直接下载。" in messages_of(response)


def test_an_unknown_year_is_refused(client, staff_user):
    client.force_login(staff_user)
    response = client.post(reverse("kpis:report-list"), {"year": 1999})
    assert response.status_code == 400
    assert ProgressReport.objects.count() == 0


def test_a_failing_build_shows_failed_not_a_500(client, staff_user, now, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False, "OPTIONS": {}}
    ]  # the report template cannot be found
    client.force_login(staff_user)
    response = client.post(reverse("kpis:report-list"), {"year": 2023})
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert report.status == ReportStatus.FAILED
    assert report.error.startswith("生成失败：")


# --- the broker is down ---------------------------------------------------------------------


@pytest.fixture
def with_broker():
    """As in production: tasks go to the broker instead of running in the request."""
    conf = build_progress_report.app.conf
    saved = conf.task_always_eager
    conf.task_always_eager = False
    yield conf
    conf.task_always_eager = saved


def test_broker_down_says_so_in_chinese(client, leader_user, now, with_broker, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(build_progress_report, "apply_async", refuse)
    client.force_login(leader_user)
    response = client.post(reverse("kpis:report-list"), {"year": 2023}, follow=True)
    assert response.status_code == 200
    assert BROKER_DOWN in messages_of(response)
    report = ProgressReport.objects.get()
    assert report.status == ReportStatus.FAILED
    assert report.error == BROKER_DOWN
    assert BROKER_DOWN in response.content.decode()  # also on the report's status


def forget_connections(app, *, close=False):
    """The app keeps the pools of the broker URL it first used (kombu holds them globally)."""
    if close and app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def test_broker_at_an_unused_port(client, staff_user, now, with_broker):
    """A real connection attempt to a port nobody listens on."""
    conf = with_broker
    app = build_progress_report.app
    saved = conf.broker_url, conf.broker_connection_timeout, conf.task_publish_retry_policy
    conf.broker_url = "amqp://guest:guest@127.0.0.1:9//"
    conf.broker_connection_timeout = 1
    conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0}
    forget_connections(app)
    try:
        client.force_login(staff_user)
        response = client.post(reverse("kpis:report-list"), {"year": 2023}, follow=True)
    finally:
        forget_connections(app, close=True)  # the unused port's pool, not memory://
        conf.broker_url, conf.broker_connection_timeout, conf.task_publish_retry_policy = saved
    assert response.status_code == 200
    assert BROKER_DOWN in messages_of(response)
    assert ProgressReport.objects.get().status == ReportStatus.FAILED


def test_asking_again_after_the_broker_came_back_builds_it(client, staff_user, now):
    report = make_report(
        as_of=MOMENT.replace(second=0), status=ReportStatus.FAILED, error=BROKER_DOWN
    )
    client.force_login(staff_user)
    client.post(reverse("kpis:report-list"), {"year": 2023})
    report.refresh_from_db()
    assert report.error == ""
    assert report.status == ReportStatus.READY
    assert report.error == ""


# --- the status fragment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "polls", "text"),
    [
        (ReportStatus.PENDING, True, "报告已排队"),
        (ReportStatus.RUNNING, True, "正在统计各项指标"),
        (ReportStatus.READY, False, "请下载"),
        (ReportStatus.FAILED, False, "报告生成失败。"),
    ],
)
def test_status_fragment_polls_until_finished(client, staff_user, status, polls, text):
    report = make_report(status=status)
    status_url = reverse("kpis:report-status", args=[report.pk])
    client.force_login(staff_user)
    fragment = client.get(status_url)
    body = fragment.content.decode()
    assert fragment["Cache-Control"] == "no-store"
    assert body.lstrip().startswith('<div id="report-status"')
    assert "<html" not in body and "<nav" not in body
    assert text in body
    assert ('hx-trigger="every 2s"' in body) is polls
    assert (f'hx-get="{status_url}"' in body) is polls
    assert ('hx-swap="outerHTML"' in body) is polls
    page = client.get(reverse("kpis:report-detail", args=[report.pk])).content.decode()
    assert ('hx-trigger="every 2s"' in page) is polls
    assert "<script>" not in page  # no inline JS


def test_failed_status_shows_the_reason(client, staff_user):
    report = make_report(status=ReportStatus.FAILED, error="生成失败：磁盘已满")
    client.force_login(staff_user)
    body = client.get(reverse("kpis:report-status", args=[report.pk])).content.decode()
    assert "生成失败：磁盘已满" in body


# --- downloads -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("pdf", "application/pdf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("html", "text/html; charset=utf-8"),
    ],
)
def test_downloads_have_type_and_chinese_name(
    client, leader_user, ready_report, kind, content_type
):
    client.force_login(leader_user)
    response = client.get(reverse("kpis:report-download", args=[ready_report.pk, kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    name = f"2023年度创建一流科技社团进展报告-20230928-0930.{kind}"
    assert f"filename*=utf-8''{quote(name)}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).endswith(b"report")


@pytest.mark.parametrize("status", [ReportStatus.PENDING, ReportStatus.FAILED])
def test_unfinished_reports_have_nothing_to_download(client, staff_user, status):
    report = make_report(status=status)
    client.force_login(staff_user)
    response = client.get(reverse("kpis:report-download", args=[report.pk, "pdf"]))
    assert response.status_code == 404


def test_unknown_file_kind_is_404(client, staff_user, ready_report):
    client.force_login(staff_user)
    response = client.get(reverse("kpis:report-download", args=[ready_report.pk, "docx"]))
    assert response.status_code == 404


# --- the list ------------------------------------------------------------------------------


def test_list_shows_reports_newest_first_with_links(client, leader_user, staff_user):
    older = make_report(as_of=MOMENT - datetime.timedelta(days=7), scheduled=True)
    newer = make_report(requested_by=staff_user)
    failed = make_report(as_of=MOMENT - datetime.timedelta(days=1), status=ReportStatus.FAILED)
    client.force_login(leader_user)
    response = client.get(reverse("kpis:report-list"))
    assert list(response.context["reports"]) == [newer, failed, older]
    page = response.content.decode()
    assert reverse("kpis:report-download", args=[newer.pk, "xlsx"]) in page
    assert reverse("kpis:report-download", args=[failed.pk, "pdf"]) not in page
    assert "每周定时生成" in page
    assert str(staff_user) in page
    assert "立即生成" in page


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(client, leader_user, staff_user, unit_officer):
    client.force_login(leader_user)
    url = reverse("kpis:report-list")
    make_report(requested_by=staff_user)
    small = count_queries(client, url)
    for n in range(1, 7):
        make_report(
            as_of=MOMENT - datetime.timedelta(days=n),
            requested_by=[staff_user, leader_user, unit_officer][n % 3],
            status=[ReportStatus.READY, ReportStatus.FAILED][n % 2],
        )
    assert count_queries(client, url) == small
