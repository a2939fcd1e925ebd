"""Hostile spreadsheets against every admin import (members, units, branches, experts and
indicator records): refused quickly with a Chinese message and nothing written, or, for
hostile text in good cells, stored as typed, shown escaped and escaped again on export.
"""

import datetime
import io
import os
import re
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from kpis.models import Record
from kpis.resources import RecordResource
from society import xlsx
from society.models import AuditEntry, Branch, Expert, Member, MemberUnit
from society.resources import MemberResource
from society.xlsx import MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS, escape_formula
from tests import factories
from tests.hostile import corpus
from tests.hostile.conftest import CJK, assert_csp, assert_no_raw_markup

pytestmark = pytest.mark.django_db

# model, admin url prefix, headers, one good row
IMPORTS = {
    "member": (
        Member,
        "society_member",
        ["会员编号", "姓名", "性别", "工作单位（非会员单位）", "会员等级", "入会日期", "状态",
         "手机号"],
        ["SCTJ-2023-00001", "王小明", "男", "西南交通大学", "会员", "2023-03-01", "正常",
         "13712345678"],
    ),
    "memberunit": (
        MemberUnit,
        "society_memberunit",
        ["单位名称", "统一社会信用代码", "单位类型", "会员等级", "入会日期", "状态", "联络员",
         "联络员电话"],
        ["四川导入建设集团有限公司", factories.credit_code(901), "施工企业", "理事单位",
         "2022-05-01", "正常", "张伟", "13912345678"],
    ),
    "branch": (
        Branch,
        "society_branch",
        ["名称", "类型", "负责人", "状态"],
        ["桥梁工程专业委员会", "专业委员会", "王建国", "正常"],
    ),
    "expert": (
        Expert,
        "society_expert",
        ["姓名", "专业领域", "所在单位（非会员单位）", "手机号", "在库"],
        ["陈教授", "桥梁隧道工程", "西南交通大学", "13612345678", "是"],
    ),
    "record": (
        Record,
        "kpis_record",
        ["指标编号", "类别", "名称", "日期", "数量"],
        ["I05", "技术指导", "为成都某桥梁项目提供技术指导", datetime.date(2023, 9, 1), 1],
    ),
}  # fmt: skip
# The column a hostile text goes into, per import.
TEXT_COLUMN = {
    "member": "姓名",
    "memberunit": "单位名称",
    "branch": "负责人",
    "expert": "所在单位（非会员单位）",
    "record": "名称",
}


def book_bytes(headers, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patch_sheet(content: bytes, change) -> bytes:
    """The same workbook with its first sheet's XML changed by `change(xml) -> xml`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(info, data)
    return buffer.getvalue()


def huge_dimension(content: bytes) -> bytes:
    def change(xml: str) -> str:
        return re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)

    return patch_sheet(content, change)


def million_rows(content: bytes) -> bytes:
    """A row numbered 1,000,000 after the real ones, and no <dimension> to give it away."""
    row = '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>末行</t></is></c></row>'

    def change(xml: str) -> str:
        return re.sub(r"<dimension [^>]*/>", "", xml).replace("</sheetData>", row + "</sheetData>")

    return patch_sheet(content, change)


def many_columns(content: bytes) -> bytes:
    """A cell in the last column (XFD, 16,384) of the second row, without a dimension."""
    cell = '<c r="XFD2" t="inlineStr"><is><t>远</t></is></c>'

    def change(xml: str) -> str:
        xml = re.sub(r"<dimension [^>]*/>", "", xml)
        return re.sub(r'(<row r="2"[^>]*>.*?)</row>', lambda m: m.group(1) + cell + "</row>", xml)

    return patch_sheet(content, change)


def raw_control_character(content: bytes) -> bytes:
    """An ESC character straight in the sheet's XML (XML 1.0 does not allow it)."""
    return patch_sheet(content, lambda xml: xml.replace("<sheetData>", "<sheetData>\x1b", 1))


def oversize(content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/media/noise.bin", os.urandom(21 * 1024 * 1024))
    return buffer.getvalue()


def text_in_cell(headers, good, column: str, text: str) -> bytes:
    """The good row with `text` in `column` (characters the XML allows but forms refuse)."""
    row = [text if header == column else value for header, value in zip(headers, good, strict=True)]
    return book_bytes(headers, [row])


def formula_book(headers, good, column: str) -> bytes:
    """The good row with a real formula cell (=HYPERLINK) in `column`."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    sheet.append(good)
    formula = '=HYPERLINK("http://evil.example","点我")'
    sheet.cell(row=2, column=headers.index(column) + 1).value = formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# name -> (build(headers, good row, text column) -> bytes, words of the refusal)
REFUSED_FILES = {
    "formula_cell": (formula_book, "公式"),
    "dimension_XFD1048576": (lambda h, g, c: huge_dimension(book_bytes(h, [g])), "表格过大"),
    "million_declared_rows": (lambda h, g, c: million_rows(book_bytes(h, [g])), "表格过大"),
    "xfd_column": (lambda h, g, c: many_columns(book_bytes(h, [g])), "表格过大"),
    "zip_bomb_3gb": (lambda h, g, c: corpus.zip_bomb("xl/workbook.xml", 3 << 30), "压缩"),
    "zip_bomb_forged": (lambda h, g, c: corpus.forged_zip_bomb(), "压缩"),
    "over_size": (lambda h, g, c: oversize(book_bytes(h, [g])), "文件过大"),
    "pdf_renamed_xlsx": (lambda h, g, c: corpus.PDF, "xlsx"),
    "html_renamed_xlsx": (lambda h, g, c: b"<html><script>alert(1)</script></html>", "xlsx"),
    "control_character_in_xml": (lambda h, g, c: raw_control_character(book_bytes(h, [g])), "xlsx"),
    "empty_file": (lambda h, g, c: b"", ""),
    "bidi_override_in_cell": (lambda h, g, c: text_in_cell(h, g, c, "王\u202e建国"), "U+202E"),
    "c1_control_in_cell": (lambda h, g, c: text_in_cell(h, g, c, "王\x85建国"), "U+0085"),
}


# Files that would take gigabytes if read naively: the refusal's memory is measured too.
HUGE_CASES = {
    "dimension_XFD1048576",
    "million_declared_rows",
    "xfd_column",
    "zip_bomb_3gb",
    "zip_bomb_forged",
}


def post_import(client, prefix: str, content: bytes, name: str = "导入.xlsx"):
    return client.post(
        reverse(f"admin:{prefix}_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile(name, content)},
    )


def import_errors(response) -> list[str]:
    form = response.context["form"]
    return [str(message) for messages in form.errors.values() for message in messages]


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("case", list(REFUSED_FILES))
@pytest.mark.parametrize("kind", list(IMPORTS))
def test_hostile_file_is_refused_quickly(staff, kind, case):
    model, prefix, headers, good = IMPORTS[kind]
    build, words = REFUSED_FILES[case]
    content = build(headers, good, TEXT_COLUMN[kind])
    before = (model.objects.count(), AuditEntry.objects.count())
    measure_memory = case in HUGE_CASES
    if measure_memory:
        tracemalloc.start()
    started = time.monotonic()

    response = post_import(staff, prefix, content)

    seconds = time.monotonic() - started
    if measure_memory:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 100 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MB to refuse"
    assert response.status_code == 200
    assert_csp(response)
    errors = import_errors(response)
    assert errors, "no message"
    assert all(CJK.search(error) for error in errors), errors
    assert words in " ".join(errors)
    assert response.context.get("confirm_form") is None
    assert (model.objects.count(), AuditEntry.objects.count()) == before
    assert seconds < 5, f"{seconds:.1f} s to refuse"


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_the_good_file_is_accepted(staff, kind):
    """The good row of each import passes the check: refusals above come from the hostility."""
    _model, prefix, headers, good = IMPORTS[kind]

    response = post_import(staff, prefix, book_bytes(headers, [good]))

    assert response.context["confirm_form"] is not None, response.context["result"].invalid_rows


def test_limits_are_what_an_import_needs():
    """10,000 members (the benchmark's file) fit; the limits are far below the sheet's."""
    assert MAX_IMPORT_ROWS >= 20_000
    assert 20 <= MAX_IMPORT_COLUMNS < 16_384


@pytest.mark.parametrize(
    ("rows", "columns", "refused"), [(30, 5, False), (31, 5, True), (30, 6, True)]
)
def test_limits_are_exact(monkeypatch, rows, columns, refused):
    """A sheet at the limits reads; one row or one column more is refused (small limits
    here, the same code as the real ones)."""
    monkeypatch.setattr(xlsx, "MAX_IMPORT_ROWS", 30)
    monkeypatch.setattr(xlsx, "MAX_IMPORT_COLUMNS", 5)
    headers = [f"列{n}" for n in range(columns)]
    content = book_bytes(headers, [[f"{r}-{c}" for c in range(columns)] for r in range(rows)])
    if refused:
        with pytest.raises(xlsx.SpreadsheetRefused, match="表格过大"):
            xlsx.read_sheet(content)
    else:
        dataset = xlsx.read_sheet(content)
        assert (dataset.height, dataset.width) == (rows, columns)
        assert dataset[rows - 1][columns - 1] == f"{rows - 1}-{columns - 1}"


@pytest.mark.parametrize(
    "entry",
    [e for e in corpus.TEXT if e.is_markup or e.id.startswith("formula")],
    ids=str,
)
@pytest.mark.parametrize("kind", ["member", "record"])
def test_hostile_text_cells_are_kept_as_text_and_escaped(staff, kind, entry):
    """Text that looks like markup or a formula (typed as text, not a formula) is stored as
    typed, shown escaped by the check page and the admin, and escaped again on export."""
    model, prefix, headers, good = IMPORTS[kind]
    column = TEXT_COLUMN[kind]
    values = dict(zip(headers, good, strict=True))
    values[column] = entry.value
    try:
        content = book_bytes(headers, [[values[h] for h in headers]])
    except Exception:  # openpyxl refuses to write some characters at all
        pytest.skip("not writable to .xlsx")

    checked = post_import(staff, prefix, content)

    assert checked.status_code == 200
    assert_csp(checked)
    assert_no_raw_markup(checked, entry.value)
    if checked.context.get("confirm_form") is None:
        return  # refused by the row checks (too long, not a real name): nothing written
    form = checked.context["confirm_form"]
    done = staff.post(
        reverse(f"admin:{prefix}_process_import"),
        {name: form.initial.get(name, "") for name in form.fields},
    )
    assert done.status_code == 302
    stored = model.objects.get()
    attribute = {"姓名": "name", "名称": "title"}[column]
    assert getattr(stored, attribute) == entry.value.strip()
    page = staff.get(reverse(f"admin:{prefix}_change", args=[stored.pk]))
    assert page.status_code == 200
    assert_csp(page)
    assert_no_raw_markup(page, entry.value)
    assert escape(entry.value.strip()[:20]) in page.content.decode()
    exported = dict(zip(*export_rows(staff, kind)[:2], strict=True))
    assert exported[column] == escape_formula(entry.value.strip())


EXPORT_RESOURCES = {"member": MemberResource, "record": RecordResource}


def export_rows(client, kind) -> list[list]:
    """The admin's .xlsx export of every field: header row, then the rows."""
    _model, prefix, _headers, _good = IMPORTS[kind]
    resource = EXPORT_RESOURCES[kind]
    data = {"format": "0", "resource": "0"}
    data.update({f"{resource.__name__.lower()}_{n}": "on" for n in resource().get_export_order()})
    response = client.post(reverse(f"admin:{prefix}_export"), data)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]
