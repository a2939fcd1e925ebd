import datetime
import io
import zipfile
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook

from kpis.dossier import Folder, dossier_build, latest_ready_report, safe_name
from kpis.enums import ReportStatus
from kpis.models import ProgressReport, RecordEvidence
from kpis.reports import report_build, report_create
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
AS_OF = datetime.datetime(2023, 9, 28, 9, 30, tzinfo=BEIJING)
PDF = b"%PDF-1.4\n% evidence\n"
ODD_NAME = '../..\\合同:扫描件*?"<>|\x07\x1b\u200b  .pdf'
I05_FOLDER = (
    "创新支撑力/I05 提供科技评价、标准研制、成果鉴定、决策咨询、人才培训、技术指导等科技服务"
)


def evidence(record, name, content=PDF):
    item = RecordEvidence(
        record=record,
        original_name=name,
        extension="pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
    )
    item.file.save("x.pdf", ContentFile(content), save=False)
    item.save()
    return item


@pytest.fixture
def report():
    report = report_create(year=2023, as_of=AS_OF)
    return report_build(report.pk)


@pytest.fixture
def records(branch_officer):
    service = RecordFactory(
        indicator=indicator("I05"), category="技术指导", title="=桥梁检测技术指导"
    )
    evidence(service, ODD_NAME, b"%PDF-1.4\n% odd\n")
    evidence(service, "合同.pdf", b"%PDF-1.4\n% first\n")
    evidence(service, "合同.pdf", b"%PDF-1.4\n% second\n")
    charter = RecordFactory(
        indicator=indicator("C01"), member_unit=None, title="章程修订", occurred_on=AS_OF.date()
    )
    evidence(charter, "章程（2023年修订）.pdf")
    training = RecordFactory(
        indicator=indicator("P05"),
        category="学术工作委员会",
        member_unit=None,
        branch=branch_officer.branch,
        title="科研诚信宣讲",
    )
    evidence(training, "签到表.pdf")
    unverified = RecordFactory(indicator=indicator("I05"), status="reported", title="未核实")
    evidence(unverified, "不应出现.pdf")
    rejected = RecordFactory(indicator=indicator("I05"), status="rejected", title="未通过")
    evidence(rejected, "也不应出现.pdf")
    return {"service": service, "charter": charter, "training": training}


def open_zip(report):
    archive = dossier_build(year=2023, report=report)
    data = archive.read()
    archive.close()
    return zipfile.ZipFile(io.BytesIO(data))


def test_dossier_holds_the_report_the_index_and_the_evidence_by_folder(report, records):
    archive = open_zip(report)
    names = archive.namelist()
    service = records["service"]
    assert "2023年度创建一流科技社团进展报告-20230928-0930.pdf" in names
    assert archive.read("2023年度创建一流科技社团进展报告-20230928-0930.pdf").startswith(b"%PDF")
    assert "材料索引.xlsx" in names
    assert f"{I05_FOLDER}/{service.pk}-合同.pdf" in names
    assert f"{I05_FOLDER}/{service.pk}-合同-2.pdf" in names
    assert archive.read(f"{I05_FOLDER}/{service.pk}-合同.pdf") == b"%PDF-1.4\n% first\n"
    assert archive.read(f"{I05_FOLDER}/{service.pk}-合同-2.pdf") == b"%PDF-1.4\n% second\n"
    charter = records["charter"]
    assert f"学会公信力/C01 学会章程修订/{charter.pk}-章程（2023年修订）.pdf" in names
    assert not any("不应出现" in name for name in names)
    assert len(names) == 2 + 5  # report, index, five evidence files of verified records


def test_odd_original_names_become_safe(report, records):
    names = open_zip(report).namelist()
    service = records["service"]
    (odd,) = [name for name in names if name.endswith("扫描件_______.pdf") or "扫描件" in name]
    folder, _, name = odd.rpartition("/")
    assert folder == I05_FOLDER
    assert name == f"{service.pk}-.._.._合同_扫描件______.pdf"
    for name in names:
        assert ".." not in name.split("/")
        assert not name.startswith("/")
        assert "\\" not in name
        assert not any(ord(char) < 32 or char == "\u200b" for char in name)
        assert all(len(part) <= 80 for part in name.split("/"))


def test_index_lists_every_verified_record_with_its_path(report, records):
    archive = open_zip(report)
    sheet = load_workbook(io.BytesIO(archive.read("材料索引.xlsx"))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[1] == [
        "一级指标",
        "指标",
        "记录编号",
        "记录名称",
        "填报单位",
        "日期",
        "佐证材料（压缩包内路径）",
    ]
    paths = {row[6] for row in rows[2:]}
    assert paths <= set(archive.namelist())
    assert len(rows) == 2 + 5
    training = next(row for row in rows if row[3] == "科研诚信宣讲")
    assert training[0] == "政治引领力"
    assert training[4] == str(records["training"].branch)
    charter = next(row for row in rows if row[3] == "章程修订")
    assert charter[4] == "四川省土木建筑学会"  # the society's own record
    assert charter[5] == datetime.datetime(2023, 9, 28)
    service = next(row for row in rows if row[2] == records["service"].pk)
    assert service[3] == "'=桥梁检测技术指导"  # formula-like text escaped


def test_missing_evidence_file_is_noted_not_fatal(report, records):
    lost = records["charter"].evidence.get()
    lost.file.storage.delete(lost.file.name)
    archive = open_zip(report)
    sheet = load_workbook(io.BytesIO(archive.read("材料索引.xlsx"))).active
    charter = next(row for row in sheet.iter_rows(values_only=True) if row[3] == "章程修订")
    assert charter[6].endswith("（文件缺失，请联系管理员）")
    assert not any(name.startswith("学会公信力/C01") for name in archive.namelist())


def test_latest_ready_report_is_used():
    older = ProgressReport.objects.create(
        year=2023, as_of=AS_OF, status=ReportStatus.READY, pdf="reports/a.pdf"
    )
    ProgressReport.objects.create(
        year=2023, as_of=AS_OF + datetime.timedelta(days=7), status=ReportStatus.FAILED
    )
    ProgressReport.objects.create(year=2024, as_of=AS_OF, status=ReportStatus.READY, pdf="b.pdf")
    assert latest_ready_report(2023) == older


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("合同.pdf", "合同.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "file"),
        (".hidden.pdf", "hidden.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("a\x00b\tc.pdf", "ab c.pdf"),
        ("名" * 200 + ".pdf", "名" * 75 + "….pdf"),
    ],
)
def test_safe_name(name, expected):
    assert safe_name(name) == expected
    assert len(safe_name(name)) <= 80


def test_names_are_unique_in_a_folder_whatever_the_case():
    folder = Folder()
    assert [folder.claim(name) for name in ("a.pdf", "A.pdf", "a.pdf", "b")] == [
        "a.pdf",
        "A-2.pdf",
        "a-3.pdf",
        "b",
    ]


# --- the view ------------------------------------------------------------------------------


def test_dossier_download(client, leader_user, report, records):
    client.force_login(leader_user)
    response = client.get(reverse("kpis:dossier"), {"year": 2023})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert quote("2023年度创建一流科技社团验收材料-") in disposition
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    assert "材料索引.xlsx" in archive.namelist()


def test_dossier_without_a_ready_report_says_what_to_do(client, staff_user, records):
    client.force_login(staff_user)
    response = client.get(reverse("kpis:dossier"), {"year": 2023}, follow=True)
    assert response.redirect_chain == [(reverse("kpis:report-list"), 302)]
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["2023年度还没有已完成的进展报告，请先生成报告，再下载验收材料。"]


def test_dossier_for_an_unknown_year_is_refused(client, staff_user, report):
    client.force_login(staff_user)
    response = client.get(reverse("kpis:dossier"), {"year": "abc"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["请选择有效的项目年度。"]


def test_dossier_whose_report_file_is_gone_says_so(client, staff_user, report):
    report.pdf.storage.delete(report.pdf.name)
    client.force_login(staff_user)
    response = client.get(reverse("kpis:dossier"), {"year": 2023}, follow=True)
    assert response.redirect_chain == [(reverse("kpis:report-list"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "进展报告的 PDF 文件缺失，请重新生成报告后再下载验收材料。"
    ]


def test_long_indicator_names_are_shortened_in_folders(report):
    record = RecordFactory(indicator=indicator("A01"), category="天府结构大讲堂")
    evidence(record, "海报.png")
    names = open_zip(report).namelist()
    (path,) = [name for name in names if name.endswith("海报.png")]
    area, folder, name = path.split("/")
    assert area == "学术引领力"
    assert folder.startswith("A01 学术交流品牌活动")
    assert folder.endswith("…") and len(folder) == 40
    assert name == f"{record.pk}-海报.png"
