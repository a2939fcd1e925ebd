"""The ranking of a call as a table: for the staff page, the .xlsx and the PDF.

All three show the same rows and columns; `ranking_table` builds them once.
"""

import io
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from society.models import Expert
from society.xlsx import escape_formula

from .models import Call
from .selectors import RankingRow, call_ranking

SOCIETY_NAME = gettext_lazy("四川省土木建筑学会")
NOT_SUBMITTED = "not_submitted"
NOT_ASSIGNED = "not_assigned"


@dataclass
class ExpertCell:
    expert: Expert
    total: Decimal | None
    state: str  # "submitted", NOT_SUBMITTED or NOT_ASSIGNED

    @property
    def label(self) -> str:
        if self.total is not None:
            return f"{self.total:.2f}"
        return _("未提交") if self.state == NOT_SUBMITTED else "—"


@dataclass
class TableRow:
    position: int
    row: RankingRow
    cells: list[ExpertCell]

    @property
    def application(self):
        return self.row.application

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.row.disagreement:
            flags.append(_("意见分歧"))
        if self.row.tied:
            flags.append(_("并列"))
        if self.row.pending:
            flags.append(_("%(n)d位专家未提交") % {"n": self.row.pending})
        return flags


@dataclass
class RankingTable:
    call: Call
    experts: list[Expert]
    rows: list[TableRow]


def ranking_table(call: Call) -> RankingTable:
    """call_ranking with one cell per expert column: the weighted total, 未提交 or —."""
    rows, experts = call_ranking(call)
    table_rows = []
    for position, row in enumerate(rows, start=1):
        assigned = {expert.pk for expert in row.experts}
        cells = []
        for expert in experts:
            if expert.pk in row.scores:
                cells.append(ExpertCell(expert, row.scores[expert.pk], "submitted"))
            elif expert.pk in assigned:
                cells.append(ExpertCell(expert, None, NOT_SUBMITTED))
            else:
                cells.append(ExpertCell(expert, None, NOT_ASSIGNED))
        table_rows.append(TableRow(position=position, row=row, cells=cells))
    return RankingTable(call=call, experts=experts, rows=table_rows)


def export_filename(call: Call, extension: str) -> str:
    day = timezone.localdate().strftime("%Y%m%d")
    return f"{call.title}-评审排名-{day}.{extension}"


# ---------------------------------------------------------------------------
# .xlsx


def _number(value: Decimal | None):
    return value if value is not None else "—"


def ranking_xlsx(table: RankingTable) -> bytes:
    """Title row with the call's name, a frozen header, one column per expert."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("评审排名")
    headers = [
        _("序号"),
        _("申报编号"),
        _("项目名称"),
        _("申报单位"),
        _("能力领域"),
        *[expert.name for expert in table.experts],
        _("平均分"),
        _("去极值平均分"),
        _("标准差"),
        _("排名"),
    ]
    sheet.cell(row=1, column=1, value=escape_formula(f"{table.call.title} {_('评审排名')}"))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=2, column=column, value=escape_formula(header))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for line in table.rows:
        application = line.application
        stats = line.row.stats
        values = [
            line.position,
            application.reference,
            application.title,
            str(application.applicant),
            application.get_area_display(),
            *[cell.total if cell.total is not None else cell.label for cell in line.cells],
            _number(stats.mean),
            _number(stats.trimmed_mean),
            _number(stats.stdev),
            line.row.rank if line.row.rank is not None else "—",
        ]
        sheet.append([escape_formula(value) for value in values])
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    widths = [6, 14, 40, 30, 12, *[12] * len(table.experts), 10, 13, 10, 8]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# PDF


def ranking_pdf(table: RankingTable) -> bytes:
    """A4 landscape, Noto Sans CJK SC, the same table as the page."""
    from weasyprint import HTML  # imported here: it loads Pango and fonts

    html = render_to_string(
        "projects/pdf/ranking.html",
        {
            "table": table,
            "society_name": SOCIETY_NAME,
            "generated_on": timezone.localdate(),
        },
    )
    return HTML(string=html).write_pdf()
