import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import TemplateDoesNotExist
from openpyxl import load_workbook
from pypdf import PdfReader

from kpis.enums import ReportStatus
from kpis.models import IndicatorSnapshot, ProgressReport
from kpis.reports import programme_year_for, report_build, report_create, week_start
from kpis.tasks import build_progress_report, weekly_progress_report
from society.models import AuditEntry
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
AS_OF = datetime.datetime(2023, 9, 28, 9, 30, tzinfo=BEIJING)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def read(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def records():
    """Known verified records, and some that must not count."""
    RecordFactory.create_batch(3, indicator=indicator("I05"), category="技术指导")
    RecordFactory(indicator=indicator("I05"), category="科技评价", quantity=2)
    RecordFactory(indicator=indicator("I05"), category="科技评价", status="reported")
    RecordFactory(indicator=indicator("I05"), category="科技评价", status="rejected")
    RecordFactory.create_batch(2, indicator=indicator("I06"))
    RecordFactory(indicator=indicator("C01"))
    for category in ("智能建造与建筑工业化", "韧性城市"):
        RecordFactory(indicator=indicator("I01"), category=category)
    RecordFactory(indicator=indicator("P01"), value=Decimal(41), source_note="省科协通报")


@pytest.fixture
def built(records, staff_user):
    report = report_create(year=2023, as_of=AS_OF, user=staff_user)
    build_progress_report.delay(report.pk)
    report.refresh_from_db()
    return report


def test_report_is_ready_with_three_files_and_a_snapshot_per_indicator(built):
    assert built.status == ReportStatus.READY
    assert built.finished_at is not None
    assert built.error == ""
    assert all((built.html, built.pdf, built.xlsx))
    assert built.snapshots.count() == 29  # the 2023 catalogue
    i05 = built.snapshots.get(indicator__code="I05")
    assert (i05.value, i05.target, i05.progress) == (Decimal(5), Decimal(20), Decimal(25))
    assert i05.status == "at_risk"  # 25 % done with half the period gone


def test_files_are_private(built):
    with pytest.raises(ValueError):
        built.pdf.url  # noqa: B018 - private files have no URL, only the download view


def test_pdf_has_the_chinese_names_values_and_footer(built):
    text = pdf_text(read(built.pdf))
    for expected in (
        "2023年度创建一流科技社团工作进展报告",
        "四川省土木建筑学会",
        "创新支撑力",
        "政治引领力",
        "转化科技成果",
        "提供科技评价、标准研制、成果鉴定、决策咨询、人才培训、技术指导等科技服务",
        "5项",  # I05: 3 + 2 verified, not the reported or rejected ones
        "25.0%",
        "第41名",
        "2/5",  # I01: two of the five areas
        "未覆盖：数字建造与智慧城市、城市更新、桥梁隧道工程",
        "填报单位（盖章）：四川省土木建筑学会",
        "填报日期：2023年9月28日",
        "统计时点：2023年9月28日09:30",
    ):
        assert expected in text, expected


def test_html_is_self_contained(built):
    html = read(built.html).decode("utf-8")
    assert "转化科技成果" in html
    assert "<style>" in html
    assert "<script" not in html
    assert "<link" not in html


def test_xlsx_has_the_funding_kpi_layout(built):
    sheet = load_workbook(io.BytesIO(read(built.xlsx))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "2023年度创建一流科技社团工作进展报告"
    assert rows[2] == ["一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "完成率", "状态"]
    assert sheet.freeze_panes == "A4"
    by_name = {row[1]: row for row in rows[3:] if row[1]}
    transferred = by_name["转化科技成果"]
    assert transferred[2:] == ["I06", "≥ 2项", "2项", 1, "已完成"]
    assert sheet.cell(row=rows.index(transferred) + 1, column=6).number_format == "0.0%"
    teams = by_name["科技服务团队覆盖五个重点领域"]
    assert teams[2].startswith("I01；已覆盖：智能建造与建筑工业化、韧性城市；未覆盖：")
    assert teams[4] == "2/5"
    assert teams[5] == Decimal("0.4") or teams[5] == pytest.approx(0.4)
    # The area is written once and merged down its indicators.
    assert rows[3][0] == "政治引领力"
    assert any(str(merged).startswith("A4:A") for merged in sheet.merged_cells.ranges)
    footer = [value for value in rows[-1] if value]
    assert footer == [
        "填报单位（盖章）：四川省土木建筑学会",
        "填表人：",
        "联系电话：",
        "填报日期：2023年9月28日",
    ]
    assert sheet.column_dimensions["B"].width == 48


def test_xlsx_escapes_formula_like_text(records):
    target = indicator("I06")
    target.name = '=HYPERLINK("http://evil")'
    target.save()
    report = report_create(year=2023, as_of=AS_OF)
    report_build(report.pk)
    report.refresh_from_db()
    sheet = load_workbook(io.BytesIO(read(report.xlsx))).active
    names = [row[1].value for row in sheet.iter_rows(min_row=4)]
    assert '\'=HYPERLINK("http://evil")' in names


def test_the_same_moment_is_one_report_with_one_snapshot(built, staff_user, leader_user):
    again = report_create(year=2023, as_of=AS_OF, user=leader_user)
    assert again.pk == built.pk
    first_pdf = built.pdf.name
    build_progress_report.delay(again.pk)
    report_build(again.pk)
    assert ProgressReport.objects.count() == 1
    assert IndicatorSnapshot.objects.count() == 29
    again.refresh_from_db()
    assert again.pdf.name == first_pdf  # a READY report is left as it is
    assert again.requested_by == staff_user
    assert AuditEntry.objects.filter(action="kpis.report.requested").count() == 1


def test_a_report_that_failed_is_built_again_with_one_snapshot(records):
    report = report_create(year=2023, as_of=AS_OF)
    IndicatorSnapshot.objects.create(  # left by an attempt that died while rendering
        report=report,
        indicator=indicator("I05"),
        value=Decimal(1),
        target=Decimal(20),
        progress=Decimal(5),
        status="at_risk",
    )
    ProgressReport.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED, error="x")
    report_build(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert report.error == ""
    assert report.snapshots.count() == 29
    assert report.snapshots.get(indicator__code="I05").value == Decimal(5)


def test_a_failing_build_is_marked_failed_with_the_message(records, settings):
    report = report_create(year=2023, as_of=AS_OF)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False, "OPTIONS": {}}
    ]  # the report template cannot be found
    with pytest.raises(TemplateDoesNotExist, match=r"document\.html"):
        build_progress_report.delay(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error.startswith("生成失败：")
    assert "document.html" in report.error
    assert report.finished_at is None


def test_transient_errors_are_retried_then_fail(records, monkeypatch):
    """A disk error is retried three times before the report is marked FAILED; between the
    attempts the report waits (PENDING) instead of showing a failure."""
    report = report_create(year=2023, as_of=AS_OF)
    seen = []

    def disk_full(html):
        seen.append(ProgressReport.objects.get(pk=report.pk).error)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kpis.reports.render_pdf", disk_full)
    # As a worker runs it: a failed attempt is scheduled again instead of raised.
    monkeypatch.setitem(build_progress_report.app.conf, "task_eager_propagates", False)
    result = build_progress_report.apply(args=[report.pk])
    assert result.failed()
    assert len(seen) == 4  # the first try and three retries
    assert seen[1].startswith("生成时出错，系统将自动重试")
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "生成失败：[Errno 28] No space left on device"


def test_week_start_is_monday_midnight_in_beijing():
    # Sunday 23:30 UTC is already Monday 07:30 in Beijing.
    moment = datetime.datetime(2023, 9, 24, 23, 30, tzinfo=datetime.UTC)
    assert week_start(moment) == datetime.datetime(2023, 9, 25, 0, 0, tzinfo=BEIJING)
    thursday = datetime.datetime(2023, 9, 28, 15, 0, tzinfo=BEIJING)
    assert week_start(thursday) == datetime.datetime(2023, 9, 25, 0, 0, tzinfo=BEIJING)


def test_programme_year_is_the_running_or_latest_one():
    assert programme_year_for(datetime.date(2023, 9, 1)) == 2023
    assert programme_year_for(datetime.date(2025, 3, 1)) == 2023  # the latest begun


def test_weekly_task_makes_one_report_per_week(
    records, monkeypatch, django_capture_on_commit_callbacks
):
    tuesday = datetime.datetime(2023, 9, 26, 7, 0, tzinfo=BEIJING)
    monkeypatch.setattr("django.utils.timezone.now", lambda: tuesday)
    with django_capture_on_commit_callbacks(execute=True):
        pk = weekly_progress_report.delay().get()
    monkeypatch.setattr("django.utils.timezone.now", lambda: tuesday + datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert weekly_progress_report.delay().get() == pk
    assert callbacks == []  # READY: nothing queued again
    report = ProgressReport.objects.get()
    assert report.scheduled
    assert report.requested_by is None
    assert report.as_of == datetime.datetime(2023, 9, 25, 0, 0, tzinfo=BEIJING)
    assert report.status == ReportStatus.READY
    assert report.snapshots.count() == 29


def test_weekly_task_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-progress-report"]
    assert entry["task"] == "kpis.tasks.weekly_progress_report"
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}
