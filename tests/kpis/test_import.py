"""Records in and out of .xlsx: all-or-nothing imports with row numbers, and safe exports."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis.models import Record
from kpis.services import record_reject, record_report
from society.models import AuditEntry
from tests import factories
from tests.factories import indicator

pytestmark = pytest.mark.django_db

HEADERS = [
    "指标编号",
    "类别",
    "名称",
    "日期",
    "数量",
    "说明",
    "链接",
    "分支机构",
    "会员单位",
    "数值",
    "数据来源",
    "作者",
    "发表日期",
    "第一或通讯作者在川工作",
]


def row(**values) -> list:
    defaults = {
        "指标编号": "I05",
        "类别": "技术指导",
        "名称": "为成都某桥梁项目提供技术指导",
        "日期": datetime.date(2023, 9, 1),
        "数量": 1,
    }
    merged = {**defaults, **values}
    return [merged.get(header) for header in HEADERS]


def paper(title: str, **values) -> list:
    return row(
        **{
            "指标编号": "A02",
            "类别": "",
            "名称": title,
            "作者": "李明、王强",
            "发表日期": "2023-03-01",
            "第一或通讯作者在川工作": "是",
            **values,
        }
    )


def xlsx_file(rows: list[list], headers=HEADERS) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("指标记录.xlsx", buffer.getvalue())


def upload(client, rows, headers=HEADERS):
    """The admin's dry run: upload the file and get the check page."""
    return client.post(
        reverse("admin:kpis_record_import"),
        {"format": "0", "resource": "0", "import_file": xlsx_file(rows, headers)},
    )


def confirm(client, checked):
    form = checked.context["confirm_form"]
    return client.post(
        reverse("admin:kpis_record_process_import"),
        {name: form.initial.get(name, "") for name in form.fields},
    )


@pytest.fixture
def organisations(db):
    return (
        factories.BranchFactory(name="桥梁工程专业委员会"),
        factories.MemberUnitFactory(name="中国五冶集团有限公司"),
    )


# ---------------------------------------------------------------------------
# A good file.


def test_good_file_imports_reported_records_by_the_staff_user(client, staff_user, organisations):
    branch, unit = organisations
    client.force_login(staff_user)
    rows = [
        row(分支机构="桥梁工程专业委员会", 说明="顶推施工指导", 链接="https://www.tfkjy.cn/s/1"),
        row(
            名称="标准《装配式建筑评价标准》研制",
            类别="标准研制",
            会员单位="中国五冶集团有限公司",
            数量=2,
        ),
        row(指标编号="p01", 类别="", 名称="三季度排名", 数值=38, 数据来源="省科协通报"),
        paper("装配式混凝土结构抗震性能研究"),
        [None] * len(HEADERS),  # an empty line is skipped
    ]

    checked = upload(client, rows)

    assert checked.status_code == 200
    assert checked.context["confirm_form"] is not None, checked.text[:3000]
    assert not Record.objects.exists()
    assert not AuditEntry.objects.exists()

    done = confirm(client, checked)

    assert done.status_code == 302
    records = {record.title: record for record in Record.objects.all()}
    assert len(records) == 4
    assert {r.status for r in records.values()} == {"reported"}
    assert {r.reported_by for r in records.values()} == {staff_user}
    guidance = records["为成都某桥梁项目提供技术指导"]
    assert (guidance.branch, guidance.description) == (branch, "顶推施工指导")
    standard = records["标准《装配式建筑评价标准》研制"]
    assert (standard.member_unit, standard.quantity) == (unit, 2)
    rank = records["三季度排名"]
    assert (rank.indicator, rank.value, rank.organisation) == (indicator("P01"), 38, None)
    article = records["装配式混凝土结构抗震性能研究"]
    assert article.published_on == datetime.date(2023, 3, 1)
    assert article.sichuan_author is True
    assert article.unique_key  # counted once, whichever channel reports it later
    assert AuditEntry.objects.filter(action="kpis.record.reported").count() == 4
    summary = AuditEntry.objects.get(action="kpis.record.imported")
    assert (summary.data["new"], summary.data["file"]) == (4, "指标记录.xlsx")


# ---------------------------------------------------------------------------
# One bad row: nothing is written; the check names the row and the reason.

BAD_ROWS = {
    "unknown indicator code": (row(指标编号="X99"), "2023年度没有编号为“X99”的指标"),
    "computed indicator": (row(指标编号="P02", 类别=""), "该指标由平台数据自动计算"),
    "bad category": (row(类别="喝茶聊天"), "请选择类别：科技评价、标准研制"),
    "paper outside the window": (
        paper("过早发表的论文", 发表日期="2020-12-31"),
        "发表日期须在 2021-01-01 至 2023-08-31 之间",
    ),
    "paper without a Sichuan author": (
        paper("外省作者的论文", 第一或通讯作者在川工作="否"),
        "第一作者或通讯作者须在四川工作",
    ),
    "rank without a source": (row(指标编号="P01", 类别="", 数值=38), "请注明数据来源"),
    "unknown unit": (row(会员单位="不存在的公司"), "未找到会员单位：不存在的公司"),
    "two organisations": (
        row(分支机构="桥梁工程专业委员会", 会员单位="中国五冶集团有限公司"),
        "分支机构和会员单位只能填写一个",
    ),
    "bad date": (row(日期="去年秋天"), "日期“去年秋天”无法识别"),
    "bad quantity": (row(数量="两项"), "数量“两项”须为不小于 1 的整数"),
    "bad yes/no": (paper("论文", 第一或通讯作者在川工作="也许"), "“也许”无法识别"),
    "missing title": (row(名称=""), "“名称”为必填项"),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_file_with_one_bad_row_imports_nothing(client, staff_user, organisations, case):
    bad, reason = BAD_ROWS[case]
    client.force_login(staff_user)
    rows = [row(名称="第一项服务"), bad, row(名称="第三项服务")]

    response = upload(client, rows)

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "表格第 3 行" in response.text  # the second data row, under the header
    assert "表格第 2 行" not in response.text and "表格第 4 行" not in response.text
    assert reason in response.text
    assert not Record.objects.exists()
    assert not AuditEntry.objects.exists()


def test_paper_repeated_within_the_file_names_the_earlier_row(client, staff_user):
    client.force_login(staff_user)
    rows = [
        paper("装配式混凝土结构抗震性能研究"),
        row(),
        paper("装配式混凝土结构 抗震性能研究"),
    ]

    response = upload(client, rows)

    assert "confirm_form" not in response.context
    assert "表格第 4 行" in response.text
    assert "与表格第 2 行重复" in response.text
    assert not Record.objects.exists()


def test_paper_already_reported_is_refused(client, staff_user, unit_officer):
    record_report(
        user=unit_officer,
        data={
            "indicator": indicator("A02"),
            "title": "装配式混凝土结构抗震性能研究",
            "occurred_on": datetime.date(2023, 5, 1),
            "published_on": datetime.date(2023, 3, 1),
            "sichuan_author": True,
        },
    )
    client.force_login(staff_user)

    response = upload(client, [row(), paper("装配式混凝土结构抗震性能研究")])

    assert "confirm_form" not in response.context
    assert "表格第 3 行" in response.text
    assert "不能重复填报" in response.text
    assert Record.objects.count() == 1


def test_a_rejected_paper_may_be_reported_again(client, staff_user, unit_officer):
    earlier = record_report(
        user=unit_officer,
        data={
            "indicator": indicator("A02"),
            "title": "装配式混凝土结构抗震性能研究",
            "occurred_on": datetime.date(2023, 5, 1),
            "published_on": datetime.date(2023, 3, 1),
            "sichuan_author": True,
        },
    )
    record_reject(record=earlier, user=staff_user, note="作者单位不符")
    client.force_login(staff_user)

    confirm(client, upload(client, [paper("装配式混凝土结构抗震性能研究")]))

    assert Record.objects.count() == 2


def test_every_bad_row_is_listed(client, staff_user):
    client.force_login(staff_user)
    rows = [row(指标编号=""), row(), row(类别="喝茶聊天")]

    response = upload(client, rows)

    invalid = response.context["result"].invalid_rows
    assert [r.number + 1 for r in invalid] == [2, 4]
    assert "指标编号：“指标编号”为必填项，不能为空。" in response.text


def test_indicator_code_is_looked_up_in_the_year_of_the_date(client, staff_user):
    client.force_login(staff_user)

    response = upload(client, [row(日期="2022-05-01")])

    assert "2022年度没有编号为“I05”的指标" in response.text


# ---------------------------------------------------------------------------
# Export.


def export_xlsx(client) -> list[list]:
    from kpis.resources import RecordResource

    data = {"format": "0", "resource": "0"}
    data.update({f"recordresource_{name}": "on" for name in RecordResource().get_export_order()})
    response = client.post(reverse("admin:kpis_record_export"), data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(values) for values in sheet.iter_rows(values_only=True)]


def test_export_has_the_import_headers_and_escapes_formulas(client, staff_user, organisations):
    branch, _unit = organisations
    factories.RecordFactory(
        branch=branch,
        member_unit=None,
        title='=HYPERLINK("http://example.com","点我")',
        description="+86 联系",
        category="技术指导",
        quantity=3,
    )
    client.force_login(staff_user)

    headers, values = export_xlsx(client)

    assert headers == HEADERS
    exported = dict(zip(headers, values, strict=True))
    assert exported["名称"] == '\'=HYPERLINK("http://example.com","点我")'
    assert exported["说明"] == "'+86 联系"
    assert exported["指标编号"] == "I05"
    assert exported["分支机构"] == "桥梁工程专业委员会"
    assert exported["数量"] == 3
    assert exported["第一或通讯作者在川工作"] == "否"


def test_exported_records_import_again(client, staff_user, organisations):
    _branch, unit = organisations
    factories.RecordFactory(member_unit=unit, category="技术指导", title="可再导入的服务")
    client.force_login(staff_user)
    rows = export_xlsx(client)

    checked = upload(client, rows[1:], headers=rows[0])

    assert checked.context["confirm_form"] is not None, checked.text[:3000]
    confirm(client, checked)
    assert Record.objects.filter(title="可再导入的服务", member_unit=unit).count() == 2
