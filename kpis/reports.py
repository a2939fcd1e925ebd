"""Progress reports: every indicator frozen at one moment, rendered as HTML, PDF and .xlsx.

`report_create` registers the report (one per year and moment); `report_build` takes the
snapshot and renders the three files. The Celery task in `kpis.tasks` calls it; it is safe
to run again (a READY report is left as it is).
"""

import datetime
import io
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from society.audit import log_action
from society.models import User
from society.xlsx import escape_formula

from .enums import Area, Comparator, Measure, ProgressStatus, ReportStatus
from .models import Indicator, IndicatorSnapshot, ProgrammeYear, ProgressReport
from .selectors import IndicatorProgress, elapsed_share, year_progress

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": XLSX_CONTENT_TYPE,
}
FILE_KINDS = tuple(CONTENT_TYPES)


# ---------------------------------------------------------------------------
# Which year, which moment


def programme_year_for(day: datetime.date) -> int:
    """The programme year running on `day`; else the latest one begun; else the latest
    catalogue year; else the calendar year."""
    periods = ProgrammeYear.objects.filter(starts_on__lte=day)
    current = periods.filter(ends_on__gte=day).order_by("-starts_on").first()
    current = current or periods.order_by("-ends_on").first()
    if current is not None:
        return current.year
    latest = Indicator.objects.order_by("-year").values_list("year", flat=True).first()
    return latest or day.year


def week_start(moment: datetime.datetime) -> datetime.datetime:
    """Monday 00:00 (Asia/Shanghai) of the week `moment` falls in."""
    local = timezone.localtime(moment)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))


# ---------------------------------------------------------------------------
# Creating and building


def report_create(
    *,
    year: int,
    as_of: datetime.datetime,
    user: User | None = None,
    scheduled: bool = False,
) -> ProgressReport:
    """The report of `year` at `as_of`: the existing one when it was already asked for."""
    existing = ProgressReport.objects.filter(year=year, as_of=as_of).first()
    if existing is not None:
        return existing
    report = ProgressReport(year=year, as_of=as_of, requested_by=user, scheduled=scheduled)
    report.full_clean(validate_constraints=False)  # the constraint is the database's to check
    try:
        with transaction.atomic():
            report.save()
            log_action(
                "kpis.report.requested",
                user=user,
                obj=report,
                data={"year": year, "as_of": as_of.isoformat(), "scheduled": scheduled},
            )
    except IntegrityError:
        # Someone asked for the same moment at the same time: theirs is ours.
        return ProgressReport.objects.get(year=year, as_of=as_of)
    return report


def _set_unfinished(report_id: int, status: str, message: str) -> None:
    """Record why a report is not ready (a READY report stays READY)."""
    try:
        ProgressReport.objects.filter(pk=report_id).exclude(status=ReportStatus.READY).update(
            status=status, error=message, updated_at=timezone.now()
        )
    except DatabaseError:  # the database itself is away; the original error says more
        logger.exception("could not record the state of progress report %s", report_id)


def report_mark_failed(report: ProgressReport, *, message: str) -> None:
    """FAILED with a message the user reads."""
    _set_unfinished(report.pk, ReportStatus.FAILED, message)
    report.refresh_from_db(fields=["status", "error", "updated_at"])


def report_build(report_id: int, *, will_retry: tuple[type[Exception], ...] = ()) -> ProgressReport:
    """Snapshot every indicator and render the three files; a READY report is returned as is.

    On error the report is marked FAILED with the message and the error raised again; an
    error of a `will_retry` type (the caller retries it) puts it back to PENDING instead,
    so its page keeps waiting.
    """
    try:
        with translation.override(settings.LANGUAGE_CODE):  # official documents: Chinese
            report, progress = _snapshot(report_id)
            if report.status == ReportStatus.READY:
                return report
            return _render(report, progress)
    except Exception as error:
        logger.exception("progress report %s failed", report_id)
        if isinstance(error, will_retry):
            message = _("生成时出错，系统将自动重试：%(error)s") % {"error": error}
            _set_unfinished(report_id, ReportStatus.PENDING, message)
        else:
            message = _("生成失败：%(error)s") % {"error": error}
            _set_unfinished(report_id, ReportStatus.FAILED, message)
        raise


def _snapshot(report_id: int) -> tuple[ProgressReport, list[IndicatorProgress]]:
    """Claim the report (RUNNING) and freeze every indicator, in one transaction."""
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().get(pk=report_id)
        if report.status == ReportStatus.READY:
            return report, []
        report.status = ReportStatus.RUNNING  # the error of a previous attempt stays shown
        report.save(update_fields=["status", "updated_at"])
        # Not READY, so nothing was published: a previous attempt's snapshot is replaced.
        report.snapshots.all().delete()
        progress = year_progress(report.year, as_of=report.as_of)
        IndicatorSnapshot.objects.bulk_create(
            IndicatorSnapshot(
                report=report,
                indicator=item.indicator,
                value=item.value,
                target=item.indicator.target,
                progress=item.progress,
                status=item.status,
            )
            for item in progress
        )
    return report, progress


def _render(report: ProgressReport, progress: list[IndicatorProgress]) -> ProgressReport:
    content = report_content(report, progress)
    html = render_to_string("kpis/reports/document.html", {"content": content})
    files = {
        "html": html.encode("utf-8"),
        "pdf": render_pdf(html),
        "xlsx": render_xlsx(content),
    }
    for kind, data in files.items():
        field = getattr(report, kind)
        if field:  # left by an attempt that failed later
            field.delete(save=False)
        field.save(f"report.{kind}", ContentFile(data), save=False)
    with transaction.atomic():
        current = ProgressReport.objects.select_for_update().get(pk=report.pk)
        if current.status == ReportStatus.READY:  # another worker finished first
            for kind in files:
                getattr(report, kind).delete(save=False)
            return current
        report.status = ReportStatus.READY
        report.error = ""
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at", *files, "updated_at"])
    return report


# ---------------------------------------------------------------------------
# What the three files show


@dataclass
class ReportRow:
    item: IndicatorProgress

    @property
    def indicator(self) -> Indicator:
        return self.item.indicator

    @property
    def value_display(self) -> str:
        indicator, value = self.indicator, self.item.value
        if value is None:
            return "—"
        if indicator.comparator == Comparator.DONE:
            return _("已完成") if value >= 1 else _("未完成")
        if self.item.covered is not None:
            return f"{len(self.item.covered)}/{len(indicator.categories)}"
        number = _number(value)
        if indicator.measure == Measure.RANK:
            return _("第%(n)s名") % {"n": number}
        return f"{number}{indicator.unit}"

    @property
    def coverage_note(self) -> str:
        """For coverage indicators: which categories are covered and which are not."""
        if self.item.covered is None:
            return ""
        parts = []
        if self.item.covered:
            parts.append(_("已覆盖：%(items)s") % {"items": "、".join(self.item.covered)})
        if self.item.missing:
            parts.append(_("未覆盖：%(items)s") % {"items": "、".join(self.item.missing)})
        return "；".join(parts)

    @property
    def sub_items(self) -> str:
        """三级指标: the code, and what a coverage indicator covers."""
        return "；".join(part for part in (self.indicator.code, self.coverage_note) if part)

    @property
    def progress(self) -> Decimal:
        return self.item.progress

    @property
    def progress_display(self) -> str:
        return f"{self.item.progress:.1f}%"

    @property
    def status(self) -> str:
        return self.item.status

    @property
    def status_label(self) -> str:
        return str(ProgressStatus(self.item.status).label)


@dataclass
class AreaBlock:
    label: str
    rows: list[ReportRow]

    @property
    def progress(self) -> Decimal:
        """The mean progress of the area's indicators."""
        if not self.rows:
            return Decimal(0)
        total = sum((row.progress for row in self.rows), Decimal(0))
        return (total / len(self.rows)).quantize(Decimal("0.1"))

    @property
    def done(self) -> int:
        return sum(row.status == ProgressStatus.DONE for row in self.rows)


@dataclass
class ReportContent:
    report: ProgressReport
    title: str
    as_of_display: str
    date_display: str
    elapsed: Decimal  # percent of the programme period elapsed
    areas: list[AreaBlock]
    society_name: str

    @property
    def rows(self) -> list[ReportRow]:
        return [row for area in self.areas for row in area.rows]

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        counts = {status: 0 for status in ProgressStatus.values}
        for row in self.rows:
            counts[row.status] += 1
        return [(status.value, str(status.label), counts[status]) for status in ProgressStatus]


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _chinese_date(day: datetime.date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def report_content(report: ProgressReport, progress: list[IndicatorProgress]) -> ReportContent:
    local = timezone.localtime(report.as_of)
    period = ProgrammeYear.objects.filter(year=report.year).first()
    title_year = (
        period.title if period else _("%(year)d年度创建一流科技社团") % {"year": report.year}
    )
    by_area: dict[str, list[ReportRow]] = {}
    for item in progress:
        by_area.setdefault(item.indicator.area, []).append(ReportRow(item))
    areas = [
        AreaBlock(label=str(area.label), rows=by_area[area.value])
        for area in Area
        if area.value in by_area
    ]
    elapsed = elapsed_share(period, local.date()) * 100
    return ReportContent(
        report=report,
        title=_("%(title)s工作进展报告") % {"title": title_year},
        as_of_display=f"{_chinese_date(local.date())} {local:%H:%M}",
        date_display=_chinese_date(local.date()),
        elapsed=elapsed.quantize(Decimal("0.1")),
        areas=areas,
        society_name=settings.SOCIETY_NAME,
    )


# ---------------------------------------------------------------------------
# PDF


def _offline_fetcher():
    """Nothing is fetched from the network: the society may run on an intranet."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango and fonts

    return HTML(string=html, url_fetcher=_offline_fetcher()).write_pdf()


# ---------------------------------------------------------------------------
# .xlsx in the funding-KPI layout

XLSX_HEADERS = (
    gettext_lazy("一级指标"),
    gettext_lazy("二级指标"),
    gettext_lazy("三级指标"),
    gettext_lazy("指标值"),
    gettext_lazy("实际完成值"),
    gettext_lazy("完成率"),
    gettext_lazy("状态"),
)
XLSX_WIDTHS = (14, 48, 40, 16, 14, 10, 10)
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(vertical="center", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def render_xlsx(content: ReportContent) -> bytes:
    """Title, a frozen header, one row per indicator with its area merged down the rows,
    and the footer to sign and stamp."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("绩效指标")
    columns = len(XLSX_HEADERS)

    sheet.cell(row=1, column=1, value=escape_formula(content.title)).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).alignment = CENTER
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.cell(row=2, column=1, value=_("统计时点：%(moment)s") % {"moment": content.as_of_display})
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)

    header_row = 3
    for column, header in enumerate(XLSX_HEADERS, start=1):
        cell = sheet.cell(row=header_row, column=column, value=str(header))
        cell.font = Font(bold=True)
        cell.alignment = CENTER
        cell.border = BORDER
        cell.fill = PatternFill("solid", fgColor="DDE5EE")

    row_number = header_row + 1
    for area in content.areas:
        first = row_number
        for row in area.rows:
            values = [
                area.label,
                row.indicator.name,
                row.sub_items,
                row.indicator.target_display,
                row.value_display,
                row.progress / 100,
                row.status_label,
            ]
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_number, column=column, value=escape_formula(value))
                cell.border = BORDER
                cell.alignment = WRAP
            sheet.cell(row=row_number, column=6).number_format = "0.0%"
            row_number += 1
        if row_number - 1 > first:
            sheet.merge_cells(start_row=first, start_column=1, end_row=row_number - 1, end_column=1)
        sheet.cell(row=first, column=1).alignment = CENTER

    footer = row_number + 1
    sheet.cell(
        row=footer,
        column=1,
        value=escape_formula(_("填报单位（盖章）：%(name)s") % {"name": content.society_name}),
    )
    sheet.merge_cells(start_row=footer, start_column=1, end_row=footer, end_column=2)
    sheet.cell(row=footer, column=3, value=_("填表人："))
    sheet.cell(row=footer, column=4, value=_("联系电话："))
    sheet.merge_cells(start_row=footer, start_column=4, end_row=footer, end_column=5)
    sheet.cell(row=footer, column=6, value=_("填报日期：%(day)s") % {"day": content.date_display})
    sheet.merge_cells(start_row=footer, start_column=6, end_row=footer, end_column=7)

    for column, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# File names


def report_filename(report: ProgressReport, kind: str) -> str:
    local = timezone.localtime(report.as_of)
    return _("%(year)d年度创建一流科技社团进展报告-%(moment)s.%(ext)s") % {
        "year": report.year,
        "moment": f"{local:%Y%m%d-%H%M}",
        "ext": kind,
    }
