"""The whole award review in the browser, one person after another in their own browser:
an officer writes and submits an application with an attachment; the secretariat passes
the formal check and assigns experts automatically; three experts sign in, score and
submit; the secretariat reads the ranking and exports it.
"""

import re
import statistics
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from projects.enums import ApplicationStatus, ReviewStatus
from projects.models import Call, ReviewAssignment
from society.models import AuditEntry, ExpertiseArea
from tests import factories
from tests.browser.conftest import DESKTOP
from tests.browser.test_application_flow import officer_submits_application
from tests.browser.test_review_flow import expert_scores

# The indicators and expertise areas come from data migrations: keep them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "桥梁隧道智能检测科技服务团队建设"
UNIT = "四川蜀道建设集团有限公司"
# Expert name -> the points they give for 实施能力强, 工作好, 措施实, 潜力大 (weights 1).
SCORES = {
    "张桥梁": {"实施能力强": 22, "工作好": 20.5, "措施实": 21, "潜力大": 23},
    "李隧道": {"实施能力强": 20, "工作好": 19, "措施实": 18, "潜力大": 21},
    "王检测": {"实施能力强": 24, "工作好": 23, "措施实": 22, "潜力大": 24},
}
COMMENTS = {
    "张桥梁": "团队实施能力强，措施具体可行，预期成果明确，建议予以支持。",
    "李隧道": "方案基本可行，但经费安排偏粗，建议细化技术指导的对象和频次。",
    "王检测": "团队在桥梁隧道检测领域积累深厚，服务全省会员单位的潜力大。",
}


def person(browser):
    """A fresh browser context for one more person (their own cookies and session)."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(10_000)
    return context.new_page()


def admin_sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="秘书处工作台")).to_be_visible()


def success_message(page):
    return page.locator(".messagelist .success")


def expected_total(points: dict) -> Decimal:
    return sum((Decimal(str(p)) for p in points.values()), Decimal("0")).quantize(Decimal("0.01"))


def test_application_goes_from_the_officer_to_the_ranking(
    browser, page, live_server, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    now = timezone.now()
    call = factories.CallFactory(
        title="2023年度创建一流科技社团培育奖励申报",
        applications_open_at=now - timedelta(days=20),
        applications_close_at=now + timedelta(hours=1),
        formal_check_close_at=now + timedelta(hours=2),
        review_open_at=now + timedelta(hours=2),
        review_close_at=now + timedelta(days=10),
        experts_per_application=3,
    )
    unit = factories.MemberUnitFactory(name=UNIT)
    factories.UnitOfficerFactory(username="liaison", member_unit=unit)
    factories.StaffUserFactory(username="secretary", last_name="陈", first_name="秘书")
    bridge = ExpertiseArea.objects.get(code="bridge-tunnel")
    other = ExpertiseArea.objects.get(code="popular-science")
    # Registered first, so only the conflict rule and the field match keep them out.
    own_unit_expert = factories.ExpertFactory(
        name="本单位专家", affiliation=unit, expertise=[bridge]
    )
    other_field_expert = factories.ExpertFactory(name="科普专家", expertise=[other])
    experts = {
        name: factories.ExpertFactory(
            name=name,
            expertise=[bridge],
            user=factories.ExpertUserFactory(username=f"expert{number}"),
        )
        for number, name in enumerate(SCORES, start=1)
    }

    # 1. The officer writes and submits the application with its stamped PDF.
    application = officer_submits_application(
        page, live_server, username="liaison", call=call, title=TITLE
    )
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.member_unit == unit
    assert application.field == bridge
    assert application.versions.count() == 1
    assert application.attachments.count() == 1

    # The application window closes and the review window opens.
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(
        applications_close_at=now - timedelta(minutes=3),
        formal_check_close_at=now - timedelta(minutes=2),
        review_open_at=now - timedelta(minutes=1),
    )

    # 2. The secretariat passes the formal check and assigns experts automatically.
    staff = person(browser)
    admin_sign_in(staff, live_server, "secretary")
    staff.goto(f"{live_server.url}/admin/projects/application/{application.pk}/change/")
    panel = staff.locator("#state-actions")
    expect(panel.get_by_role("heading", name="状态与处理")).to_be_visible()
    expect(panel).to_contain_text("当前状态：已提交")
    expect(staff.get_by_role("link", name="申报书（盖章）.pdf")).to_be_visible()
    panel.get_by_role("button", name="形式审查通过").click()
    expect(success_message(staff)).to_have_text("已执行“形式审查通过”，申报当前状态：专家评审中。")
    expect(staff.locator("#state-actions")).to_contain_text("当前状态：专家评审中")
    expect(staff.locator("#process-history")).to_contain_text("已提交 → 专家评审中")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert AuditEntry.objects.filter(action="projects.application.pass_check").count() == 1

    staff.goto(f"{live_server.url}/admin/projects/call/{call.pk}/change/")
    staff.get_by_role("link", name="自动分配评审专家").click()
    expect(staff.get_by_role("heading", name="自动分配评审专家")).to_be_visible()
    expect(staff.get_by_text("专家评审中的申报：1 项")).to_be_visible()
    expect(staff.get_by_text("尚未配足专家的申报：1 项")).to_be_visible()
    expect(staff.get_by_text("在库专家：5 位")).to_be_visible()
    expect(staff.get_by_label("每项申报评审专家数")).to_have_value("3")
    assert not ReviewAssignment.objects.exists()  # the page asks first
    staff.get_by_role("button", name="开始分配").click()
    expect(success_message(staff)).to_have_text("已自动分配3项评审任务，并已通知专家。")
    expect(staff.locator(".messagelist .warning")).to_have_count(0)
    expect(staff.locator("#result_list tbody tr")).to_have_count(3)
    assigned = ReviewAssignment.objects.filter(application=application)
    assert {a.expert for a in assigned} == set(experts.values())
    assert own_unit_expert not in {a.expert for a in assigned}
    assert other_field_expert not in {a.expert for a in assigned}
    assert {a.status for a in assigned} == {ReviewStatus.ASSIGNED}

    # 3. Each expert signs in to their own browser, scores and submits.
    for number, (name, points) in enumerate(SCORES.items(), start=1):
        expert_page = person(browser)
        total = expert_scores(
            expert_page,
            live_server,
            title=TITLE,
            scores=points,
            comment=COMMENTS[name],
            username=f"expert{number}",
        )
        assert total == f"{expected_total(points):.2f}"
        expert_page.context.close()
    for name, expert in experts.items():
        assignment = assigned.get(expert=expert)
        assert assignment.status == ReviewStatus.SUBMITTED
        assert assignment.total == expected_total(SCORES[name])
        assert assignment.comment == COMMENTS[name]

    # 4. The secretariat reads the ranking and exports it.
    totals = {name: expected_total(points) for name, points in SCORES.items()}
    mean = (sum(totals.values()) / len(totals)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    stdev = Decimal(str(statistics.pstdev(totals.values()))).quantize(Decimal("0.01"))
    spread = max(totals.values()) - min(totals.values())
    assert (mean, stdev, spread) == (Decimal("85.83"), Decimal("6.14"), Decimal("15.00"))

    staff.goto(f"{live_server.url}/admin/projects/call/")
    staff.get_by_role("link", name="查看排名").click()
    expect(staff.get_by_role("heading", name=f"{call.title} 评审排名")).to_be_visible()
    expect(staff.locator("#content-main")).to_contain_text(
        re.compile(r"共 1 项申报，\s*3 位评审专家")
    )
    headers = staff.locator("#ranking thead th")
    expect(headers).to_have_text(
        [
            "排名",
            "申报编号",
            "项目名称",
            "申报单位",
            "评分数",
            "平均分",
            "去极值平均分",
            "标准差",
            "极差",
            "提示",
            "专家评分",
            "评审意见",
        ]
    )
    row = staff.locator("#ranking tbody tr")
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text("1")
    expect(cells.nth(1)).to_have_text(application.reference)
    expect(cells.nth(2)).to_have_text(TITLE)
    expect(cells.nth(3)).to_have_text(UNIT)
    expect(cells.nth(4)).to_have_text("3")
    expect(cells.nth(5)).to_have_text(str(mean))
    expect(cells.nth(6)).to_have_text(str(mean))  # fewer than 5 scores: nothing dropped
    expect(cells.nth(7)).to_have_text(str(stdev))
    expect(cells.nth(8)).to_have_text(str(spread))
    expect(cells.nth(9)).to_have_text("—")  # 15 points apart: under the threshold of 20
    # Every expert's score in one cell, in the experts' order: "张桥梁 86.50 · 李隧道 …".
    expect(cells.nth(10)).to_have_text(
        " · ".join(f"{name} {total:.2f}" for name, total in totals.items())
    )
    expect(staff.locator("#ranking .score.dropped")).to_have_count(0)
    expect(staff.locator(".ranking-pages")).to_have_count(0)  # one page: no page links
    row.get_by_text("3 条意见").click()
    for comment in COMMENTS.values():
        expect(row.get_by_text(comment)).to_be_visible()
    staff.screenshot(path="/tmp/ranking.png", full_page=True)

    with staff.expect_download() as download_info:
        staff.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"{call.title}-评审排名-")
    assert download.suggested_filename.endswith(".xlsx")
    workbook_path = tmp_path / "ranking.xlsx"
    download.save_as(workbook_path)
    sheet = load_workbook(workbook_path).active
    header, line = [[cell.value for cell in r] for r in sheet.iter_rows(min_row=2, max_row=3)]
    assert header[5:] == [*SCORES, "平均分", "去极值平均分", "标准差", "排名"]
    assert line[:4] == [1, application.reference, TITLE, UNIT]
    assert [Decimal(str(v)) for v in line[5:8]] == list(totals.values())
    assert Decimal(str(line[8])) == mean
    assert line[-1] == 1

    pdf_url = staff.get_by_role("link", name="导出 PDF").get_attribute("href")
    response = staff.request.get(f"{live_server.url}{pdf_url}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    staff.context.close()
