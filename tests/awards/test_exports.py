"""The payment list and the ledger 台账 as .xlsx, read back with openpyxl."""

import datetime
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from awards.exports import LEDGER_HEADERS, PAYMENT_HEADERS, ledger_xlsx, payments_xlsx
from awards.services import (
    award_confirm,
    award_propose,
    award_release,
    payment_record,
    pool_for_call,
)
from projects.enums import ApplicationStatus
from tests import factories

pytestmark = pytest.mark.django_db

FORMULA_TITLE = '=HYPERLINK("http://evil.example","点我")'


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]


@pytest.fixture
def call_with_awards(staff_user):
    """Three awards: paid in two instalments, unpaid, and a withdrawn proposal."""
    call = factories.CallFactory(title="2023年度培育奖励")
    unit = factories.MemberUnitFactory(name="+四川测试设计院")  # formula-like name
    paid = factories.ApplicationFactory(
        call=call, status=ApplicationStatus.REVIEWED, title=FORMULA_TITLE, member_unit=unit
    )
    unpaid = factories.ApplicationFactory(
        call=call, status=ApplicationStatus.REVIEWED, title="城市更新科技服务"
    )
    dropped = factories.ApplicationFactory(
        call=call, status=ApplicationStatus.REVIEWED, title="撤回的项目"
    )
    first = award_confirm(application=paid, user=staff_user)
    second = award_confirm(application=unpaid, user=staff_user)
    for amount, voucher, day in [("1000", "PZ-001", 8), ("2000", "-PZ-002", 20)]:
        payment_record(
            award=first,
            user=staff_user,
            paid_on=datetime.date(2023, 10, day),
            amount=Decimal(amount),
            voucher_number=voucher,
        )
    withdrawn = award_propose(application=dropped, user=staff_user, rank=9)
    award_release(award=withdrawn, user=staff_user, reason="主动放弃")
    return first.pool, first, second, withdrawn


def test_payment_list_headers_title_and_layout(call_with_awards):
    pool, *_awards = call_with_awards

    sheet = sheet_of(payments_xlsx(pool))

    assert sheet.title == "拨付清单"
    assert sheet["A1"].value == "2023年度培育奖励 奖励经费拨付清单"
    assert [cell.value for cell in sheet[2]] == [
        "序号",
        "证书编号",
        "项目名称",
        "获奖单位",
        "奖励金额",
        "拨付日期",
        "拨付金额",
        "凭证号",
        "累计已拨付",
        "是否付清",
    ]
    assert len(PAYMENT_HEADERS) == 10
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["C"].width == 40
    assert sheet["E3"].number_format == "#,##0.00"


def test_payment_list_rows_running_total_and_escaping(call_with_awards):
    pool, first, second, _withdrawn = call_with_awards

    lines = rows(sheet_of(payments_xlsx(pool)))

    assert lines == [
        [
            1,
            first.certificate_number,
            "'" + FORMULA_TITLE,
            "'+四川测试设计院",
            3000,
            datetime.datetime(2023, 10, 8),
            1000,
            "PZ-001",
            1000,
            "否",
        ],
        [
            2,
            first.certificate_number,
            "'" + FORMULA_TITLE,
            "'+四川测试设计院",
            3000,
            datetime.datetime(2023, 10, 20),
            2000,
            "'-PZ-002",
            3000,
            "是",
        ],
        [
            3,
            second.certificate_number,
            "城市更新科技服务",
            str(second.application.applicant),
            3000,
            None,
            None,
            None,
            0,
            "否",
        ],
    ]


def test_ledger_headers_and_layout(call_with_awards):
    pool, *_awards = call_with_awards

    sheet = sheet_of(ledger_xlsx(pool))

    assert sheet.title == "台账"
    assert sheet["A1"].value == "2023年度培育奖励 奖励项目台账"
    assert [cell.value for cell in sheet[2]] == [str(header) for header in LEDGER_HEADERS]
    assert [cell.value for cell in sheet[2]][:4] == ["序号", "申报编号", "项目名称", "申报单位"]
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["K"].width == 34


def test_ledger_rows_with_payments_inspection_and_acceptance(call_with_awards):
    pool, first, second, withdrawn = call_with_awards
    factories.InspectionFactory(
        application=first.application, inspected_on=datetime.date(2023, 9, 1)
    )
    factories.InspectionFactory(
        application=first.application,
        inspected_on=datetime.date(2023, 10, 15),
        result="rectify",
    )
    factories.AcceptanceFactory(application=second.application, result="failed")
    by_reference = {line[1]: line for line in rows(sheet_of(ledger_xlsx(pool)))}

    paid = by_reference[first.application.reference]
    assert paid[2:4] == ["'" + FORMULA_TITLE, "'+四川测试设计院"]
    assert paid[6:10] == ["已确认", first.certificate_number, 3000, 3000]
    assert paid[10] == "2023-10-08 PZ-001 ¥1,000.00\n2023-10-20 -PZ-002 ¥2,000.00"
    assert paid[11] == "2023-10-15 整改（整改期限 2023-11-15）"
    assert paid[12:15] == [None, None, "已评审"]

    unpaid = by_reference[second.application.reference]
    assert unpaid[9:15] == [0, None, None, 60, "验收不通过", "已评审"]

    dropped = by_reference[withdrawn.application.reference]
    assert dropped[4] == 9
    assert dropped[6:8] == ["已撤回", None]
    assert sorted(line[0] for line in by_reference.values()) == [1, 2, 3]


def test_ledger_of_an_empty_pool_has_only_the_header():
    pool = pool_for_call(factories.CallFactory())

    sheet = sheet_of(ledger_xlsx(pool))

    assert sheet.max_row == 2


def test_exports_through_the_admin_are_the_same_sheets(client, staff_user, call_with_awards):
    pool, *_awards = call_with_awards
    client.force_login(staff_user)

    payments = client.get(reverse("admin:awards_awardpool_payments_xlsx", args=[pool.call_id]))
    ledger = client.get(reverse("admin:awards_awardpool_ledger_xlsx", args=[pool.call_id]))

    assert rows(sheet_of(payments.content)) == rows(sheet_of(payments_xlsx(pool)))
    assert rows(sheet_of(ledger.content)) == rows(sheet_of(ledger_xlsx(pool)))
    assert "2023年度培育奖励-拨付清单-" in unquote(payments["Content-Disposition"])
    assert "2023年度培育奖励-台账-" in unquote(ledger["Content-Disposition"])
