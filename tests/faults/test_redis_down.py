"""The message broker (Redis) stops while the site runs.

The app's Celery publishes to a private Redis (tests/faults/conftest.py), not eagerly, as
in production. With Redis stopped the pages still serve; asking for a progress report says
in Chinese that the report service cannot be reached, and leaves the report FAILED with
that message and nothing half-made (no snapshot, no file). Once Redis is back the same
request queues the build, without restarting anything.
"""

import base64
import datetime
import json
import time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kpis.enums import ReportStatus
from kpis.models import IndicatorSnapshot, ProgressReport
from kpis.tasks import broker_down_message, build_progress_report
from tests.factories import RecordFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

BROKER_DOWN = "报告服务暂时不可用（消息队列无法连接），请稍后再试或联系管理员。"
QUEUED = "已开始生成进展报告，本页会自动显示进度。"
BEIJING = ZoneInfo("Asia/Shanghai")
# How long a refused request may keep the user waiting (Celery's publish retries).
REFUSAL_SECONDS = 10


def forget_connections(app, *, close=False):
    """Celery keeps the connection pool of the broker URL it first used."""
    if close and app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(private_redis):
    """The app publishes to the private Redis instead of running tasks in the request."""
    app = build_progress_report.app
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = private_redis.url
    app.conf.task_always_eager = False
    forget_connections(app)
    try:
        yield private_redis
    finally:
        forget_connections(app, close=True)
        app.conf.broker_url, app.conf.task_always_eager = saved


@pytest.fixture
def clock(monkeypatch):
    """A settable now(): each report is for the minute it is asked for."""

    class Clock:
        now = datetime.datetime(2023, 9, 28, 9, 30, tzinfo=BEIJING)

        def advance(self, minutes: int) -> None:
            self.now += datetime.timedelta(minutes=minutes)

    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


def queued_builds(private_redis) -> list[tuple[str, list]]:
    """The task name and arguments of every message waiting in the default queue."""
    builds = []
    for raw in private_redis.client.lrange("celery", 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        builds.append((message["headers"]["task"], args))
    return builds


def ask_for_report(client):
    started = time.monotonic()
    response = client.post(reverse("kpis:report-list"), {"year": 2023}, follow=True)
    return response, time.monotonic() - started


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_without_redis_pages_serve_and_reports_say_why(client, staff_user, broker, clock):
    RecordFactory.create_batch(2)
    client.force_login(staff_user)
    task = build_progress_report.name

    # Redis runs: the request queues the build.
    response, _ = ask_for_report(client)
    first = ProgressReport.objects.get()
    assert QUEUED in messages_of(response)
    assert first.status == ReportStatus.PENDING
    assert queued_builds(broker) == [(task, [first.pk])]

    broker.stop()
    pages = [
        reverse("home"),
        reverse("kpis:dashboard"),
        reverse("kpis:report-list"),
        reverse("kpis:report-detail", args=[first.pk]),
        reverse("kpis:report-status", args=[first.pk]),
        reverse("article-list"),
        reverse("awards:notice-list"),
    ]
    assert {url: client.get(url).status_code for url in pages} == dict.fromkeys(pages, 200)

    # Redis is down: a clear message, the report FAILED with it, nothing half-made.
    clock.advance(1)
    response, seconds = ask_for_report(client)
    assert response.status_code == 200
    assert seconds < REFUSAL_SECONDS
    assert messages_of(response) == [BROKER_DOWN]
    assert BROKER_DOWN in response.content.decode()  # the report's status says it too
    assert broker_down_message() == BROKER_DOWN
    second = ProgressReport.objects.exclude(pk=first.pk).get()
    assert (second.status, second.error) == (ReportStatus.FAILED, BROKER_DOWN)
    assert not IndicatorSnapshot.objects.exists()
    assert not (second.html or second.pdf or second.xlsx)
    first.refresh_from_db()
    assert first.status == ReportStatus.PENDING  # untouched

    # Redis is back (an empty one: it keeps nothing on disk); the same request now works,
    # through the connection pool the web process already had.
    broker.start()
    response, _ = ask_for_report(client)
    assert messages_of(response) == [QUEUED]
    second.refresh_from_db()
    assert (second.status, second.error) == (ReportStatus.PENDING, "")
    assert ProgressReport.objects.count() == 2
    assert queued_builds(broker) == [(task, [second.pk])]

    # What a worker does with that message: the report is built.
    ((_task, args),) = queued_builds(broker)
    build_progress_report.apply(args=args)
    second.refresh_from_db()
    assert second.status == ReportStatus.READY
    page = client.get(reverse("kpis:report-detail", args=[second.pk])).content.decode()
    assert reverse("kpis:report-download", args=[second.pk, "pdf"]) in page


# The mail is queued on commit: a real commit. serialized_rollback puts the migrations' data
# (the indicator catalogue) back for the tests after this one, as in every transactional test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_redis_an_action_that_notifies_by_mail_still_succeeds(
    client, staff_user, unit_officer, broker
):
    """Rejecting a KPI record notifies its reporter; the mail goes through Celery."""
    record = RecordFactory(status="reported", reported_by=unit_officer)
    broker.stop()
    client.force_login(staff_user)
    client.raise_request_exception = False  # what the browser gets
    url = reverse("admin:kpis_record_reject", args=[record.pk])
    response = client.post(url, {"note": "佐证材料与服务内容不符"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "rejected"
    note = unit_officer.notifications.get()
    assert note.mailed_at is None  # the mail waits; the in-platform notice is there


def test_without_redis_as_the_cache_the_sign_up_form_still_answers(client, settings, private_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
        }
    }
    assert client.get(reverse("register")).status_code == 200
    private_redis.stop()
    client.raise_request_exception = False  # what the browser gets
    response = client.post(reverse("register"), {})
    assert response.status_code in (200, 429)  # the form's errors, or a clear refusal
