"""Progress reports by Celery: built on request and every Monday morning by beat."""

import logging

from celery import shared_task
from django.db import InterfaceError, transaction
from django.db import OperationalError as DatabaseOperationalError
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerOperationalError

from .enums import ReportStatus
from .models import ProgressReport
from .reports import programme_year_for, report_build, report_create, report_mark_failed, week_start

logger = logging.getLogger(__name__)

# Worth another try: the database or the disk was away for a moment.
TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, OSError)
# What `.delay()` raises when the message broker cannot be reached.
BROKER_ERRORS = (BrokerOperationalError, ConnectionError, OSError)
MAX_RETRIES = 3


def broker_down_message() -> str:
    return _("报告服务暂时不可用（消息队列无法连接），请稍后再试或联系管理员。")


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=MAX_RETRIES,
    retry_backoff=True,  # 1 s, 2 s, 4 s ... with jitter
    retry_backoff_max=600,
    retry_jitter=True,
)
def build_progress_report(self, report_id: int) -> str | None:
    """Snapshot and render one report; nothing to do when it is READY or gone.

    acks_late (settings): a worker killed mid-build leaves the message to be redelivered.
    """
    report = ProgressReport.objects.filter(pk=report_id).only("status").first()
    if report is None:
        logger.warning("progress report %s no longer exists", report_id)
        return None
    if report.status == ReportStatus.READY:
        return report.status
    will_retry = TRANSIENT_ERRORS if self.request.retries < MAX_RETRIES else ()
    return report_build(report_id, will_retry=will_retry).status


def queue_report_build(report: ProgressReport) -> bool:
    """Queue the report's build; False, with the report FAILED and saying why, when the
    message broker cannot be reached (the request shows that message, never a 500).

    In eager mode (no broker: laptops, tests) the build runs inside `.delay()`, is not
    retried later, and its failure is recorded on the report rather than raised.
    """
    ProgressReport.objects.filter(pk=report.pk).exclude(status=ReportStatus.READY).update(
        status=ReportStatus.PENDING, error="", updated_at=timezone.now()
    )
    try:
        build_progress_report.delay(report.pk)
    except Exception as error:
        report.refresh_from_db(fields=["status", "error"])
        never_started = report.status == ReportStatus.PENDING and not report.error
        if never_started and isinstance(error, BROKER_ERRORS):
            logger.exception("could not queue progress report %s", report.pk)
            report_mark_failed(report, message=broker_down_message())
            return False
        if not build_progress_report.app.conf.task_always_eager:
            raise
        logger.warning("progress report %s failed: %s", report.pk, error)
        if report.status != ReportStatus.FAILED:
            cause = getattr(error, "exc", None) or error  # celery's Retry wraps the cause
            report_mark_failed(report, message=_("生成失败：%(error)s") % {"error": cause})
    return True


@shared_task
def weekly_progress_report() -> int:
    """This week's report for the current programme year, as of Monday 00:00 (Beijing time),
    so running it again in the same week finds the same report."""
    now = timezone.now()
    year = programme_year_for(timezone.localdate(now))
    report = report_create(year=year, as_of=week_start(now), scheduled=True)
    if report.status in (ReportStatus.PENDING, ReportStatus.FAILED):
        transaction.on_commit(lambda: build_progress_report.delay(report.pk))
    return report.pk
