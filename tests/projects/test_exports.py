"""The ranking exports: .xlsx in the usual layout and a PDF with Chinese text."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from projects.enums import ApplicationStatus, ReviewStatus
from projects.exports import ranking_table, ranking_xlsx
from tests import factories

pytestmark = pytest.mark.django_db

HEADER_START = ["序号", "申报编号", "项目名称", "申报单位", "能力领域"]
HEADER_END = ["平均分", "去极值平均分", "标准差", "排名"]


@pytest.fixture
def call():
    """Two applications scored by 王工 and 李工; a third waiting for 王工."""
    call = factories.CallFactory(in_review=True, title="2023年度创建一流科技社团培育奖励申报")
    wang = factories.ExpertFactory(name="王工")
    li = factories.ExpertFactory(name="李工")
    scores = {"桥梁隧道工程科技服务团队": (90, 80), "城市更新科普品牌建设": (70, 76)}
    for title, (by_wang, by_li) in scores.items():
        application = factories.ApplicationFactory(
            call=call, title=title, status=ApplicationStatus.UNDER_REVIEW
        )
        for expert, total in ((wang, by_wang), (li, by_li)):
            factories.ReviewAssignmentFactory(
                application=application,
                expert=expert,
                status=ReviewStatus.SUBMITTED,
                total=Decimal(total),
            )
    waiting = factories.ApplicationFactory(
        call=call, title='=HYPERLINK("http://example.com")', status=ApplicationStatus.UNDER_REVIEW
    )
    factories.ReviewAssignmentFactory(application=waiting, expert=wang)
    return call


def read_sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_xlsx_has_title_header_one_column_per_expert_and_values(call):
    sheet = read_sheet(ranking_xlsx(ranking_table(call)))

    assert call.title in sheet["A1"].value
    header = [cell.value for cell in sheet[2]]
    assert header == [*HEADER_START, "李工", "王工", *HEADER_END]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    by_title = {row[2]: dict(zip(header, row, strict=True)) for row in rows}
    first = by_title["桥梁隧道工程科技服务团队"]
    assert (first["王工"], first["李工"]) == (90, 80)
    assert first["平均分"] == 85
    assert first["排名"] == 1
    second = by_title["城市更新科普品牌建设"]
    assert second["平均分"] == 73
    assert second["排名"] == 2
    assert [row[0] for row in rows] == [1, 2, 3]
    assert sheet.freeze_panes == "A3"


def test_xlsx_marks_missing_scores_and_escapes_formulas(call):
    sheet = read_sheet(ranking_xlsx(ranking_table(call)))

    last = [cell.value for cell in sheet[5]]
    assert last[2] == '\'=HYPERLINK("http://example.com")'
    assert last[5:7] == ["—", "未提交"]  # 李工 not assigned, 王工 assigned but not submitted
    assert last[-1] == "—"


def test_xlsx_download_through_the_admin(client, staff_user, call):
    client.force_login(staff_user)

    response = client.get(reverse("admin:projects_call_ranking_xlsx", args=[call.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    sheet = read_sheet(response.content)
    assert [cell.value for cell in sheet[2]][:5] == HEADER_START


def test_pdf_contains_the_chinese_title_and_projects(client, staff_user, call):
    client.force_login(staff_user)

    response = client.get(reverse("admin:projects_call_ranking_pdf", args=[call.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    assert "2023年度创建一流科技社团培育奖励申报" in text
    assert "桥梁隧道工程科技服务团队" in text
    assert "四川省土木建筑学会" in text
    assert "王工" in text
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
