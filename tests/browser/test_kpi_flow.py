"""The indicator flow in Chromium, each person in their own browser: leadership reads the
dashboard, opens the evidence behind a number, asks for a progress report, watches it being
built and downloads the PDF; a unit officer reports a service with evidence, the secretariat
verifies it in the admin, and the dashboard number rises by one."""

import datetime
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from config.celery_app import app as celery_app
from kpis.enums import RecordStatus, ReportStatus
from kpis.models import IndicatorSnapshot, ProgressReport, Record
from kpis.services import evidence_add
from kpis.tasks import build_progress_report
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_application_flow import small_pdf
from tests.browser.test_award_flow import pdf_file, pdf_text, portal_message
from tests.browser.test_award_review_flow import admin_sign_in, person, success_message
from tests.browser.test_officer_portal import sign_in
from tests.factories import RecordFactory, indicator

# The indicators and the programme year come from data migrations: keep them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AREAS = ["政治引领力", "创新支撑力", "学术引领力", "学会公信力"]
I05 = "I05 提供科技评价、标准研制、成果鉴定、决策咨询、人才培训、技术指导等科技服务"
I05_CATEGORIES = ["科技评价", "标准研制", "成果鉴定", "决策咨询", "人才培训", "技术指导"]
UNIT = "四川蜀道建设集团有限公司"
TITLE = "成都天府国际机场高速公路隧道检测技术指导"
DESCRIPTION = "为项目部提供隧道衬砌无损检测技术指导两次，形成检测方案一份。"
SERVICES = [
    ("科技评价", "装配式建筑构件质量科技评价", "中国建筑西南设计研究院有限公司"),
    ("标准研制", "《四川省城市桥梁养护技术标准》编制", "四川省建筑设计研究院有限公司"),
    ("技术指导", "川南城际铁路桥梁施工技术指导", "中铁二局集团有限公司"),
]


def menu(page, name):
    return page.get_by_role("navigation", name="主导航").get_by_role("link", name=name)


def field(page, label):
    """A form field by its label, which ends in " *" when the field is required."""
    return page.get_by_label(re.compile(rf"^{label}( \*)?$"))


def i05_value(page):
    return page.locator('[data-code="I05"] [data-testid="value"]')


def verified_services(staff) -> list[Record]:
    """Three verified I05 services of three units, each with a PDF in private storage."""
    records = []
    for i, (category, title, unit) in enumerate(SERVICES, start=1):
        record = RecordFactory(
            indicator=indicator("I05"),
            category=category,
            title=title,
            member_unit=factories.MemberUnitFactory(name=unit),
            occurred_on=datetime.date(2023, 7, 10 * i),
        )
        evidence_add(
            record=record, user=staff, file=SimpleUploadedFile(f"服务证明{i}.pdf", small_pdf())
        )
        records.append(record)
    return records


@pytest.fixture
def people(browser):
    """Opens a browser of their own for each person; closes them all after the test."""
    pages = []

    def open_browser():
        pages.append(person(browser))
        return pages[-1]

    yield open_browser
    for page in pages:
        page.context.close()


@pytest.fixture
def report_queue():
    """A message queue without a worker, as in production: `.delay()` only queues the build
    (the in-memory broker), so the report page has to poll until the test, acting as the
    worker, has built it. Returns a function that takes the next queued task."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()

    def next_task():
        with celery_app.connection_for_read() as connection:
            queue = connection.SimpleQueue("celery", no_ack=True)
            try:
                message = queue.get(timeout=5)
            finally:
                queue.close()
        args, kwargs, _embed = message.payload
        return message.headers["task"], args, kwargs

    yield next_task
    celery_app.control.purge()
    celery_app.conf.task_always_eager = eager


def test_leader_reads_the_evidence_and_a_report_and_a_verified_service_counts(
    people, live_server, settings, tmp_path, report_queue
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    staff_user = factories.StaffUserFactory(username="secretary", last_name="陈", first_name="秘书")
    leader_user = factories.LeaderFactory(username="leader", last_name="王", first_name="理事长")
    unit = factories.MemberUnitFactory(name=UNIT)
    officer = factories.UnitOfficerFactory(username="liaison", member_unit=unit)
    services = verified_services(staff_user)

    # 1. Leadership: every area, I05 = 3 services, the records and their evidence.
    leader = people()
    sign_in(leader, live_server, "leader")
    menu(leader, "指标看板").click()
    expect(leader.get_by_role("heading", name="指标看板", exact=True)).to_be_visible()
    for area in AREAS:
        expect(leader.get_by_role("heading", name=area, exact=True)).to_be_visible()
    expect(i05_value(leader)).to_have_text("3项")

    i05_value(leader).click()
    expect(leader.get_by_role("heading", name=I05)).to_be_visible()
    expect(leader.get_by_role("heading", name="已核实记录及佐证材料")).to_be_visible()
    rows = leader.locator(".dash-record")
    expect(rows).to_have_count(3)
    # Newest first.
    expect(rows.locator(".fw-semibold")).to_have_text([title for _c, title, _u in SERVICES][::-1])
    expect(rows.first).to_contain_text(SERVICES[2][2])
    with leader.expect_download() as download:
        rows.first.get_by_role("link", name="服务证明3.pdf").click()
    assert download.value.suggested_filename == "服务证明3.pdf"
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert content == services[2].evidence.get().file.read()

    # The report: queued, the page polls (htmx) until the worker has built it.
    menu(leader, "进展报告").click()
    expect(leader.get_by_role("heading", name="进展报告", exact=True)).to_be_visible()
    expect(leader.get_by_label("项目年度").first).to_have_value("2023")
    leader.get_by_role("button", name="立即生成").click()
    expect(leader.get_by_role("heading", name="2023年度进展报告")).to_be_visible()
    expect(portal_message(leader)).to_contain_text("已开始生成进展报告，本页会自动显示进度。")
    status = leader.locator("#report-status")
    expect(status).to_have_attribute("data-status", "pending")
    expect(status).to_contain_text("报告已排队")
    report = ProgressReport.objects.get()
    assert (report.year, report.status, report.requested_by) == (2023, "pending", leader_user)

    polls = []
    leader.on("request", lambda r: polls.append(r.url) if "/status/" in r.url else None)
    # Hold the polls while the test builds the report: with in-memory SQLite the live server
    # shares the test's database connection, which two threads must not use at once.
    # (Sync Playwright answers the route only when the test calls it again.)
    leader.route("**/reports/*/status/", lambda route: route.continue_())
    task, args, kwargs = report_queue()
    assert (task, args, kwargs) == ("kpis.tasks.build_progress_report", [report.pk], {})
    assert build_progress_report.apply(args=args).get() == ReportStatus.READY

    ready = leader.locator("#report-status[data-status=ready]")
    expect(ready).to_be_visible(timeout=15_000)  # no reload: the poll swapped it in
    assert polls, "the page did not poll the report's status"
    expect(ready).to_contain_text("请下载")
    snapshot = IndicatorSnapshot.objects.get(report=report, indicator__code="I05")
    assert snapshot.value == 3
    with leader.expect_download() as download:
        ready.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert "提供科技评价" in text
    assert "四川省土木建筑学会" in text
    leader.unroute("**/reports/*/status/")

    # 2. The unit officer reports a technical-guidance service with a PDF.
    liaison = people()
    sign_in(liaison, live_server, "liaison")
    menu(liaison, "指标填报").click()
    expect(liaison.get_by_role("heading", name="本机构的指标记录")).to_be_visible()
    liaison.get_by_role("link", name="新增记录").click()
    expect(liaison.get_by_role("heading", name="新增记录")).to_be_visible()
    with liaison.expect_response("**/records/indicator-fields/**") as fields:
        liaison.get_by_label("考核指标").select_option(label=I05)
    assert fields.value.ok
    category = field(liaison, "类别")
    expect(category.locator("option")).to_have_text(["请选择类别", *I05_CATEGORIES])
    expect(liaison.get_by_label("发表日期")).to_have_count(0)  # only papers have authors
    category.select_option("技术指导")
    field(liaison, "名称").fill(TITLE)
    field(liaison, "日期").fill("2023-10-12")
    field(liaison, "说明").fill(DESCRIPTION)
    liaison.get_by_label("佐证材料").set_input_files(pdf_file("技术指导服务确认单.pdf"))
    liaison.get_by_role("button", name="提交填报").click()

    expect(liaison.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(portal_message(liaison)).to_contain_text(f"已填报“{TITLE}”，等待秘书处核实。")
    expect(liaison.locator(".status-badge")).to_have_text("待核实")
    expect(liaison.get_by_role("link", name="技术指导服务确认单.pdf")).to_be_visible()
    record = Record.objects.get(title=TITLE)
    assert record.indicator == indicator("I05")
    assert (record.category, record.occurred_on) == ("技术指导", datetime.date(2023, 10, 12))
    assert (record.member_unit, record.branch, record.reported_by) == (unit, None, officer)
    assert record.status == RecordStatus.REPORTED
    assert record.evidence.get().file.read().startswith(b"%PDF")

    # Not counted before it is verified.
    leader.goto(f"{live_server.url}/dashboard/")
    expect(i05_value(leader)).to_have_text("3项")

    # 3. The secretariat verifies it in the admin.
    secretary = people()
    admin_sign_in(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}/admin/kpis/record/")
    secretary.locator("#changelist-filter").get_by_role("link", name="待核实").click()
    results = secretary.locator("#result_list tbody tr")
    expect(results).to_have_count(1)
    results.get_by_role("link", name=TITLE).click()
    expect(secretary.get_by_role("heading", name="核实指标记录")).to_be_visible()
    expect(secretary.locator("#record-actions")).to_contain_text("当前状态：待核实")
    secretary.get_by_role("button", name="核实", exact=True).click()
    expect(success_message(secretary)).to_have_text(f"已核实“{TITLE}”，计入指标。")
    expect(secretary.locator("#record-actions")).to_contain_text("当前状态：已核实")
    record.refresh_from_db()
    assert (record.status, record.verified_by) == (RecordStatus.VERIFIED, staff_user)
    assert record.verified_at is not None

    # 4. Leadership again: I05 has risen by one, the new service is one click away.
    leader.goto(f"{live_server.url}/dashboard/")
    expect(i05_value(leader)).to_have_text("4项")
    leader.wait_for_timeout(1000)  # the charts' opening animation, for the screenshots
    leader.screenshot(path="/tmp/kpi-dashboard-desktop.png", full_page=True)
    leader.set_viewport_size(PHONE)
    leader.reload()
    expect(i05_value(leader)).to_have_text("4项")
    assert leader.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    leader.wait_for_timeout(1000)
    leader.screenshot(path="/tmp/kpi-dashboard-phone.png", full_page=True)
    i05_value(leader).click()
    expect(leader.locator(".dash-record")).to_have_count(4)
    expect(leader.locator(".dash-record").first).to_contain_text(TITLE)
    leader.screenshot(path="/tmp/kpi-drilldown-phone.png", full_page=True)
