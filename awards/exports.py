"""Spreadsheets of a call's awards: the payment list for the finance office and the ledger 台账.

Both read the pool in a fixed number of queries, escape formula-like text, freeze the header
and set column widths, in the style of projects.exports.
"""

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from society.xlsx import escape_formula

from .enums import AwardStatus
from .models import Award, AwardPool

MONEY_FORMAT = "#,##0.00"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def money(value: Decimal | None) -> str:
    """¥3,000.00, the way the society writes money."""
    return "—" if value is None else f"¥{value:,.2f}"


def export_filename(pool: AwardPool, what: str) -> str:
    day = timezone.localdate().strftime("%Y%m%d")
    return f"{pool.call.title}-{what}-{day}.xlsx"


def _awards(pool: AwardPool):
    return Award.objects.filter(pool=pool).select_related(
        "application__call", "application__branch", "application__member_unit"
    )


def _workbook(title: str, sheet_title: str, headers: list, rows: list[list], widths: list[int]):
    """A title row, a bold frozen header on row 2, then the rows; money columns formatted."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.cell(row=1, column=1, value=escape_formula(title)).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=2, column=column, value=escape_formula(header))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in rows:
        sheet.append([escape_formula(value) for value in values])
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY_FORMAT
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# 拨付清单: one row per payment, and a row for each confirmed award not paid at all.

PAYMENT_HEADERS = [
    gettext_lazy("序号"),
    gettext_lazy("证书编号"),
    gettext_lazy("项目名称"),
    gettext_lazy("获奖单位"),
    gettext_lazy("奖励金额"),
    gettext_lazy("拨付日期"),
    gettext_lazy("拨付金额"),
    gettext_lazy("凭证号"),
    gettext_lazy("累计已拨付"),
    gettext_lazy("是否付清"),
]


def payment_rows(pool: AwardPool) -> list[list]:
    awards = (
        _awards(pool)
        .filter(status=AwardStatus.CONFIRMED)
        .prefetch_related("payments")
        .order_by("certificate_number", "pk")
    )
    rows = []
    for award in awards:
        application = award.application
        head = [award.certificate_number, application.title, str(application.applicant)]
        paid = Decimal("0.00")
        for payment in award.payments.all():
            paid += payment.amount
            rows.append(
                [
                    *head,
                    award.amount,
                    payment.paid_on,
                    payment.amount,
                    payment.voucher_number,
                    paid,
                    _("是") if paid == award.amount else _("否"),
                ]
            )
        if not award.payments.all():
            rows.append([*head, award.amount, "", "", "", paid, _("否")])
    return [[number, *row] for number, row in enumerate(rows, start=1)]


def payments_xlsx(pool: AwardPool) -> bytes:
    return _workbook(
        title=f"{pool.call.title} {_('奖励经费拨付清单')}",
        sheet_title=_("拨付清单"),
        headers=[str(header) for header in PAYMENT_HEADERS],
        rows=payment_rows(pool),
        widths=[6, 20, 40, 30, 12, 12, 12, 18, 12, 9],
    )


# ---------------------------------------------------------------------------
# 台账: every award of the call with its payments, inspection and acceptance.

LEDGER_HEADERS = [
    gettext_lazy("序号"),
    gettext_lazy("申报编号"),
    gettext_lazy("项目名称"),
    gettext_lazy("申报单位"),
    gettext_lazy("评审排名"),
    gettext_lazy("评审得分"),
    gettext_lazy("奖励状态"),
    gettext_lazy("证书编号"),
    gettext_lazy("奖励金额"),
    gettext_lazy("已拨付"),
    gettext_lazy("拨付记录"),
    gettext_lazy("中期检查"),
    gettext_lazy("验收得分"),
    gettext_lazy("验收结论"),
    gettext_lazy("申报状态"),
]


def _payments_text(award: Award) -> str:
    return "\n".join(
        f"{payment.paid_on:%Y-%m-%d} {payment.voucher_number} {money(payment.amount)}"
        for payment in award.payments.all()
    )


def _inspection_text(application) -> str:
    inspections = application.inspections.all()  # newest first (Inspection.Meta.ordering)
    if not inspections:
        return ""
    latest = inspections[0]
    text = f"{latest.inspected_on:%Y-%m-%d} {latest.get_result_display()}"
    if latest.fix_deadline:
        text += _("（整改期限 %(day)s）") % {"day": f"{latest.fix_deadline:%Y-%m-%d}"}
    return text


def ledger_rows(pool: AwardPool) -> list[list]:
    awards = (
        _awards(pool)
        .select_related("application__acceptance")
        .prefetch_related("payments", "application__inspections")
        .order_by("rank", "pk")
    )
    rows = []
    for number, award in enumerate(awards, start=1):
        application = award.application
        acceptance = getattr(application, "acceptance", None)
        rows.append(
            [
                number,
                application.reference,
                application.title,
                str(application.applicant),
                award.rank if award.rank is not None else "",
                award.score if award.score is not None else "",
                award.get_status_display(),
                award.certificate_number,
                award.amount,
                award.paid_amount,
                _payments_text(award),
                _inspection_text(application),
                acceptance.score if acceptance else "",
                acceptance.get_result_display() if acceptance else "",
                application.get_status_display(),
            ]
        )
    return rows


def ledger_xlsx(pool: AwardPool) -> bytes:
    return _workbook(
        title=f"{pool.call.title} {_('奖励项目台账')}",
        sheet_title=_("台账"),
        headers=[str(header) for header in LEDGER_HEADERS],
        rows=ledger_rows(pool),
        widths=[6, 14, 40, 30, 9, 10, 10, 20, 12, 12, 34, 26, 10, 12, 12],
    )
