"""The leadership dashboard in Chromium: every chart is drawn by ECharts, on a desktop and
on a phone, and each number opens the records behind it."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from kpis.models import IndicatorSnapshot, ProgressReport
from kpis.services import evidence_add
from projects.enums import ApplicationStatus
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_officer_portal import sign_in
from tests.factories import RecordFactory, indicator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHARTS = ["areas", "trend", "branches", "units", "pipeline", "money", "awards"]


def some_year_of_data():
    staff = factories.StaffUserFactory()
    branches = [
        factories.BranchFactory(
            name=name, party_group=True, party_group_on=datetime.date(2021, 7, 1)
        )
        for name in ["桥梁与隧道工程专业委员会", "建筑结构专业委员会", "学术工作委员会"]
    ]
    units = [
        factories.MemberUnitFactory(name=name)
        for name in ["四川蜀道建设集团有限公司", "中国建筑西南设计研究院有限公司"]
    ]
    for i, (code, category) in enumerate(
        [("I05", "技术指导"), ("I05", "科技评价"), ("I03", "科技成果"), ("A02", ""),
         ("P05", "学术工作委员会"), ("I01", "韧性城市"), ("I06", ""), ("A05", "")]
    ):  # fmt: skip
        owner = {"branch": branches[i % 3], "member_unit": None} if i % 2 else {
            "member_unit": units[i % 2]}  # fmt: skip
        record = RecordFactory(
            indicator=indicator(code), category=category, quantity=1 + i % 3, **owner
        )
        evidence_add(record=record, user=staff, file=SimpleUploadedFile(f"佐证{i}.pdf", PDF))
    RecordFactory(indicator=indicator("C01"))
    RecordFactory(indicator=indicator("P01"), value=Decimal(41), source_note="省科协通报")
    factories.StaffMemberFactory.create_batch(5)
    call = factories.CallFactory()
    for status in ["submitted", "submitted", "under_review", "reviewed", "awarded"]:
        factories.ApplicationFactory(call=call, status=ApplicationStatus(status))
    factories.AwardFactory(application=factories.ApplicationFactory(call=call, status="reviewed"))
    for days, progress in [(60, 10), (30, 25), (1, 40)]:
        report = ProgressReport.objects.create(
            year=2023, as_of=timezone.now() - datetime.timedelta(days=days), status="ready"
        )
        for code in ["P01", "I05", "A02", "C01"]:
            IndicatorSnapshot.objects.create(
                report=report, indicator=indicator(code), value=1, target=1,
                progress=Decimal(progress), status="behind",
            )  # fmt: skip


def drawn_charts(page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map(box => [
            box.dataset.chart,
            {
              echarts: Boolean(window.echarts && window.echarts.getInstanceByDom(box)),
              canvas: Boolean(box.querySelector('canvas')),
              width: box.getBoundingClientRect().width,
            },
        ]))"""
    )


def test_leader_sees_every_chart_drawn_on_desktop_and_phone(page, live_server):
    some_year_of_data()
    factories.LeaderFactory(username="leader")
    sign_in(page, live_server, "leader")
    page.get_by_role("link", name="指标看板").first.click()
    expect(page.get_by_role("heading", name="指标看板")).to_be_visible()
    for area in ["政治引领力", "创新支撑力", "学术引领力", "学会公信力"]:
        expect(page.get_by_role("heading", name=area)).to_be_visible()

    charts = drawn_charts(page)
    assert sorted(charts) == sorted(CHARTS)
    for name, chart in charts.items():
        assert chart["echarts"] and chart["canvas"] and chart["width"] > 100, name
    expect(page.locator(".dash-fallback").first).to_be_hidden()
    page.screenshot(path="/tmp/dashboard-desktop.png", full_page=True)

    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)  # the charts resize with their boxes
    for name, chart in drawn_charts(page).items():
        assert chart["echarts"] and 200 < chart["width"] <= PHONE["width"], name
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path="/tmp/dashboard-phone.png", full_page=True)

    page.locator('[data-code="I05"] [data-testid="value"]').click()
    expect(page.get_by_role("heading", name="已核实记录及佐证材料")).to_be_visible()
    expect(page.locator(".dash-record")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("link", name="佐证0.pdf").click()
    assert download.value.suggested_filename == "佐证0.pdf"
    page.screenshot(path="/tmp/dashboard-drilldown-phone.png", full_page=True)


def test_without_javascript_the_numbers_are_still_there(browser, live_server):
    RecordFactory.create_batch(2, indicator=indicator("I06"))
    factories.LeaderFactory(username="leader")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "leader")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator('[data-code="I06"] [data-testid="value"]')).to_have_text("2项")
    expect(page.locator(".dash-fallback").first).to_be_visible()
    expect(page.locator("[data-chart]").first).to_be_hidden()
    context.close()
