"""From the ranking to an archived project in the browser, one person after another in their
own browser: the secretariat proposes the awards and publishes the 公示; an anonymous visitor
reads it and files an objection; the secretariat dismisses it and confirms the result; the
awardee downloads the certificate, reports progress, uploads evidence for every planned output
and submits the final report; the secretariat records the acceptance and archives the project.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from awards.calendar import working_period
from awards.enums import AwardStatus, NoticeStatus, ObjectionStatus
from awards.models import Award, AwardPool, Objection, PublicNotice
from kpis.models import Indicator
from projects.enums import AcceptanceResult, ApplicationStatus, AttachmentKind, ReviewStatus
from projects.models import Acceptance, Attachment, FinalReport, PlannedOutput, ProgressUpdate
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_application_flow import small_pdf
from tests.browser.test_award_review_flow import admin_sign_in, person, success_message
from tests.browser.test_officer_portal import sign_in

# The indicators and expertise areas come from data migrations: keep them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CALL_TITLE = "2023年度创建一流科技社团培育奖励申报"
UNIT = "四川蜀道建设集团有限公司"
TITLE = "桥梁隧道智能检测科技服务团队建设"
# Title -> the totals three experts give; the first is the awardee's application.
APPLICATIONS = {
    TITLE: (92, 90, 94),
    "装配式建筑技术推广服务团队建设": (85, 86, 84),
    "城市更新科普宣传服务项目": (78, 80, 76),
}
OBJECTOR = "赵明"
OBJECTION = "该项目申报的技术指导成果与实际情况不符，请核查相关合同。"
DECISION = "经核查技术指导合同及服务记录，异议所述情况不属实，异议不成立。"
PROGRESS = "团队已为成都天府国际机场高速公路项目提供隧道检测技术指导两次。"
SUMMARY = "项目按具体方案全面完成：开展技术指导两项，转化科技成果一项，经费按预算使用。"


def pdf_file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": small_pdf()}


def error_message(page):
    return page.locator(".messagelist .error")


def portal_message(page):
    return page.locator(".site-messages .alert")


def ranked_call():
    """A call in review with three reviewed applications, each scored by the same three
    experts, and two awards of ¥3,000.00 in its pool."""
    call = factories.CallFactory(
        in_review=True,
        title=CALL_TITLE,
        award_count=2,
        fund_total=Decimal("100000"),
        implementation_end=timezone.localdate() + datetime.timedelta(days=180),
    )
    unit = factories.MemberUnitFactory(name=UNIT)
    experts = [factories.ExpertFactory(name=name) for name in ("张桥梁", "李隧道", "王检测")]
    applications = []
    for title, totals in APPLICATIONS.items():
        application = factories.ApplicationFactory(
            call=call,
            title=title,
            status=ApplicationStatus.REVIEWED,
            **({"member_unit": unit} if title == TITLE else {}),
        )
        for expert, total in zip(experts, totals, strict=True):
            factories.ReviewAssignmentFactory(
                application=application,
                expert=expert,
                status=ReviewStatus.SUBMITTED,
                total=Decimal(total),
            )
        applications.append(application)
    top = factories.complete_application(applications[0], with_attachment=False)
    PlannedOutput.objects.create(
        application=top,
        indicator=Indicator.objects.get(year=2023, code="I06"),
        quantity=1,
        description="转化隧道检测成果一项",
    )
    return call, applications


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def test_award_goes_from_the_ranking_to_an_archived_project(
    browser, live_server, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    call, (top, second, third) = ranked_call()
    factories.UnitOfficerFactory(
        username="awardee", last_name="李", first_name="联络员", member_unit=top.member_unit
    )
    staff_user = factories.StaffUserFactory(username="secretary", last_name="陈", first_name="秘书")

    # 1. The secretariat proposes the awards from the ranking and publishes the 公示.
    staff = person(browser)
    admin_sign_in(staff, live_server, "secretary")
    staff.goto(f"{live_server.url}/admin/projects/call/{call.pk}/change/")
    staff.get_by_role("link", name="拟奖励名单").click()
    expect(staff.get_by_role("heading", name=f"{CALL_TITLE} 拟奖励名单")).to_be_visible()
    expect(staff.locator("#content-main")).to_contain_text(
        "本批次奖励 2 项，每项 ¥3,000.00，经费总额 ¥100,000.00。"
    )
    rows = staff.locator("#proposal tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.locator("td:nth-child(3)")).to_have_text(list(APPLICATIONS))
    expect(rows.locator("td:nth-child(6)")).to_have_text(["建议奖励", "建议奖励", "—"])
    assert not Award.objects.exists()  # the page only suggests

    staff.get_by_role("button", name="按排名建议拟奖励").click()
    expect(success_message(staff)).to_have_text("已按排名列入拟奖励2项。")
    expect(rows.locator("td:nth-child(8)")).to_have_text(
        ["已列入：拟奖励 ¥3,000.00", "已列入：拟奖励 ¥3,000.00", "—"]
    )
    expect(staff.locator("#content-main")).to_contain_text("尚余名额 0 项，经费 ¥94,000.00。")
    proposed = Award.objects.filter(pool__call=call, status=AwardStatus.PROPOSED)
    assert {award.application for award in proposed} == {top, second}
    assert [award.rank for award in proposed.order_by("rank")] == [1, 2]
    pool = AwardPool.objects.get(call=call)
    assert (pool.committed_count, pool.committed_amount) == (2, Decimal("6000.00"))

    staff.get_by_role("link", name="发布公示").click()
    expect(staff.get_by_role("heading", name=f"发布公示：{CALL_TITLE}")).to_be_visible()
    starts_on, ends_on = working_period(timezone.localdate(), call.notice_working_days)
    expect(staff.locator("#notice-period")).to_contain_text(
        f"如现在发布，公示期为 {starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}（5 个工作日，周末顺延）"
    )
    expect(staff.get_by_role("heading", name="公示名单（2 项）")).to_be_visible()
    assert not PublicNotice.objects.exists()  # the page asks first
    staff.get_by_role("button", name="确认发布公示").click()
    expect(success_message(staff)).to_have_text(
        f"已发布公示，公示期 {starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}。"
    )
    notice = PublicNotice.objects.get(call=call)
    assert notice.title == f"{CALL_TITLE}拟奖励项目公示"
    assert (notice.starts_on, notice.ends_on) == (starts_on, ends_on)
    assert notice.published_by == staff_user
    for application, status in ((top, "publicized"), (second, "publicized"), (third, "reviewed")):
        application.refresh_from_db()
        assert application.status == status

    # 2. An anonymous visitor reads the notice and files an objection with evidence.
    visitor = person(browser)
    visitor.goto(f"{live_server.url}/")
    visitor.get_by_role("link", name="公示公告").first.click()
    expect(visitor.get_by_role("heading", name="公示公告")).to_be_visible()
    visitor.get_by_role("link", name=notice.title).click()
    expect(visitor.get_by_role("heading", name=notice.title)).to_be_visible()
    expect(visitor.locator(".badge", has_text="公示中")).to_be_visible()
    expect(visitor.get_by_test_id("notice-period")).to_have_text(
        f"{starts_on.year}年{starts_on.month}月{starts_on.day}日 至 "
        f"{ends_on.year}年{ends_on.month}月{ends_on.day}日（5 个工作日）"
    )
    listed = visitor.locator("table.notice-awards tbody tr")
    expect(listed).to_have_count(2)
    expect(listed.first.locator("td")).to_have_text(["1", UNIT, TITLE, "¥3,000.00"])
    expect(listed.nth(1).locator("td").nth(2)).to_have_text(second.title)
    expect(visitor.locator("table.notice-awards tfoot")).to_have_text(
        re.compile(r"合计\s*¥6,000.00")
    )
    expect(visitor.get_by_text(third.title)).to_have_count(0)
    visitor.screenshot(path="/tmp/award-notice-desktop.png", full_page=True)

    visitor.get_by_label("真实姓名").fill(OBJECTOR)
    visitor.get_by_label("联系电话").fill("13812345678")
    visitor.get_by_label("工作单位").fill("成都市某建设工程公司")
    visitor.get_by_label("针对项目").select_option(label=f"{UNIT} — {TITLE}")
    visitor.get_by_label("异议内容").fill(OBJECTION)
    visitor.get_by_label("证明材料").set_input_files(pdf_file("技术指导合同.pdf"))
    visitor.get_by_role("button", name="提交异议").click()
    expect(portal_message(visitor)).to_have_text(
        "您的异议已提交。学会秘书处将依规核查处理，并通过您留下的联系方式与您联系。"
    )
    expect(visitor.get_by_text(OBJECTOR)).to_have_count(0)  # never shown in public
    objection = Objection.objects.get()
    assert (objection.notice, objection.award.application) == (notice, top)
    assert (objection.name, objection.phone, objection.content) == (
        OBJECTOR,
        "13812345678",
        OBJECTION,
    )
    assert objection.status == ObjectionStatus.PENDING
    assert objection.evidence_name == "技术指导合同.pdf"
    assert (tmp_path / objection.evidence.name).read_bytes().startswith(b"%PDF-")

    phone = browser.new_context(viewport=PHONE)
    mobile = phone.new_page()
    mobile.goto(visitor.url.split("#")[0])
    expect(mobile.get_by_role("heading", name=notice.title)).to_be_visible()
    scroll_width = mobile.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], "the notice page scrolls sideways on a phone"
    mobile.screenshot(path="/tmp/award-notice-phone.png", full_page=True)
    phone.close()
    visitor.context.close()

    # 3. The secretariat dismisses the objection and, after the period, confirms the result.
    staff.reload()
    confirm_panel = staff.locator("#notice-confirm")
    expect(confirm_panel).to_contain_text("还有 1 条异议未处理。")
    expect(confirm_panel).to_contain_text(f"公示期至 {ends_on:%Y-%m-%d} 结束，结束后才能确认结果。")
    staff.get_by_role("link", name=OBJECTOR).click()
    expect(staff.locator("#content-main")).to_contain_text(OBJECTION)
    expect(staff.get_by_role("link", name="技术指导合同.pdf")).to_be_visible()
    resolve = staff.locator("#objection-resolve")
    resolve.get_by_label("异议不成立").check()
    resolve.get_by_label("处理意见").fill(DECISION)
    resolve.get_by_role("button", name="保存处理结果").click()
    expect(success_message(staff)).to_have_text("异议已处理：异议不成立。")
    expect(staff.locator("#objection-resolve")).to_have_count(0)
    objection.refresh_from_db()
    assert (objection.status, objection.decision) == (ObjectionStatus.DISMISSED, DECISION)
    assert objection.decided_by == staff_user

    staff.goto(f"{live_server.url}/admin/awards/publicnotice/{notice.pk}/change/")
    staff.get_by_role("button", name="确认公示结果").click()
    expect(error_message(staff)).to_have_text(
        f"公示期至 {ends_on:%Y-%m-%d} 结束，结束后才能确认结果。"
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED

    # The five working days go by.
    today = timezone.localdate()
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=today - datetime.timedelta(days=8), ends_on=today - datetime.timedelta(days=1)
    )
    staff.reload()
    expect(staff.locator("#notice-confirm")).not_to_contain_text("结束后才能确认结果")
    staff.get_by_role("button", name="确认公示结果").click()
    expect(success_message(staff)).to_have_text(
        "已确认公示结果：获奖2项，未获奖1项，已通知各申报单位。"
    )
    expect(staff.locator("#notice-confirm")).to_contain_text("当前状态：已确认结果")
    expect(staff.get_by_role("button", name="确认公示结果")).to_have_count(0)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CONFIRMED
    for application, status in ((top, "awarded"), (second, "awarded"), (third, "not_awarded")):
        application.refresh_from_db()
        assert application.status == status
    award = Award.objects.get(application=top)
    assert award.status == AwardStatus.CONFIRMED
    assert award.certificate_number == "SCTJ-JL-2023-001"
    assert Award.objects.get(application=second).certificate_number == "SCTJ-JL-2023-002"

    # 4. The awardee downloads the certificate, reports progress and submits the final report.
    awardee = person(browser)
    sign_in(awardee, live_server, "awardee")
    awardee.get_by_role("link", name="申报项目").first.click()
    awardee.get_by_role("link", name=TITLE).click()
    expect(awardee.get_by_role("status")).to_contain_text("本项目已获奖")
    awardee.get_by_role("link", name="项目实施", exact=True).click()
    expect(awardee.get_by_role("heading", name="项目实施")).to_be_visible()
    expect(awardee.locator("main")).to_contain_text("已获奖")
    expect(awardee.get_by_text("SCTJ-JL-2023-001")).to_be_visible()

    with awardee.expect_download() as download_info:
        awardee.get_by_role("link", name="下载荣誉证书（PDF）").click()
    download = download_info.value
    assert download.suggested_filename == "荣誉证书-SCTJ-JL-2023-001.pdf"
    certificate = tmp_path / "certificate.pdf"
    download.save_as(certificate)
    text = pdf_text(certificate.read_bytes())
    for expected in ("荣誉证书", UNIT, TITLE, "SCTJ-JL-2023-001"):
        assert expected in text, expected

    awardee.get_by_role("link", name="报告进展").click()
    expect(awardee.get_by_role("heading", name="报告进展")).to_be_visible()
    expect(awardee.get_by_label("报告日期")).to_have_value(f"{timezone.localdate():%Y-%m-%d}")
    awardee.get_by_label("对应进度节点").select_option(label="2023-11-30 完成技术指导")
    awardee.get_by_label("该节点已完成").check()
    awardee.get_by_label("进展情况").fill(PROGRESS)
    awardee.get_by_label("进展材料").set_input_files(pdf_file("技术指导记录.pdf"))
    awardee.get_by_role("button", name="提交进展报告").click()
    expect(portal_message(awardee)).to_have_text("进展报告已提交。")
    expect(awardee.locator(".implementation-milestones")).to_contain_text(PROGRESS)
    expect(awardee.locator(".implementation-milestones .badge")).to_have_text("已完成")
    expect(awardee.get_by_role("link", name="技术指导记录.pdf")).to_be_visible()
    top.refresh_from_db()
    assert top.status == ApplicationStatus.IN_PROGRESS
    update = ProgressUpdate.objects.get(application=top)
    assert (update.text, update.milestone_done) == (PROGRESS, True)
    assert top.attachments.filter(kind=AttachmentKind.PROGRESS).count() == 1

    awardee.get_by_role("link", name="结题报告", exact=True).click()
    expect(awardee.get_by_role("heading", name="结题报告")).to_be_visible()
    outputs = list(top.outputs.select_related("indicator").order_by("pk"))
    assert len(outputs) == 2
    expect(awardee.locator(".evidence-list .badge")).to_have_text(["缺少佐证", "缺少佐证"])
    for number, output in enumerate(outputs, start=1):
        name = f"佐证材料{number}.pdf"
        form = awardee.locator("form.evidence-form")
        form.get_by_label("对应预期成果").select_option(
            label=f"{output.indicator.name} × {output.quantity}：{output.description}"
        )
        form.get_by_label("佐证材料").set_input_files(pdf_file(name))
        form.get_by_label("说明").fill(output.description)
        form.get_by_role("button", name="上传佐证").click()
        expect(portal_message(awardee)).to_have_text(f"已上传佐证材料“{name}”。")
    expect(awardee.locator(".evidence-list .badge")).to_have_text(["已有佐证", "已有佐证"])
    expect(awardee.locator(".checklist")).to_contain_text("每项预期成果都有佐证材料")
    for number, output in enumerate(outputs, start=1):
        evidence = Attachment.objects.get(output=output)
        assert (evidence.kind, evidence.original_name) == (
            AttachmentKind.EVIDENCE,
            f"佐证材料{number}.pdf",
        )

    awardee.get_by_label("工作总结").fill(SUMMARY)
    awardee.get_by_role("button", name="保存工作总结").click()
    expect(portal_message(awardee)).to_have_text("工作总结已保存。")
    expect(awardee.locator(".checklist")).to_contain_text("已填写工作总结")
    awardee.get_by_role("button", name="提交结题报告").click()
    expect(portal_message(awardee)).to_have_text("结题报告已提交，等待学会验收。")
    expect(awardee.locator("main")).to_contain_text("结题提交")
    expect(awardee.get_by_role("button", name="提交结题报告")).to_have_count(0)
    top.refresh_from_db()
    assert top.status == ApplicationStatus.FINAL_SUBMITTED
    report = FinalReport.objects.get(application=top)
    assert report.summary == SUMMARY
    assert report.submitted_at is not None

    awardee.get_by_role("link", name="返回项目实施").click()
    expect(awardee.locator("main")).to_contain_text("结题报告已提交，等待学会验收。")
    awardee.screenshot(path="/tmp/award-implementation.png", full_page=True)

    # 5. The secretariat records the acceptance, then archives the project.
    staff.goto(f"{live_server.url}/admin/projects/application/{top.pk}/change/")
    expect(staff.locator("#state-actions")).to_contain_text("当前状态：结题提交")
    panel = staff.locator("#implementation")
    expect(panel.locator("#progress-updates")).to_contain_text(PROGRESS)
    expect(panel.locator("#final-report")).to_contain_text(SUMMARY)
    expect(panel.locator("#evidence")).to_contain_text("佐证材料1.pdf")
    expect(panel.locator("#evidence")).to_contain_text("佐证材料2.pdf")
    expect(panel).to_contain_text(re.compile(r"本批次验收合格分数线为 80(\.00)? 分"))
    acceptance_form = staff.locator("#acceptance-form")
    acceptance_form.get_by_label("验收得分").fill("88")
    acceptance_form.get_by_label("验收意见").fill("完成了申报书的全部预期成果，佐证材料齐全。")
    acceptance_form.get_by_label("验收人员").fill("王秘书、李专家、张专家")
    acceptance_form.get_by_role("button", name="录入验收结果").click()
    expect(success_message(staff)).to_have_text(re.compile(r"已录入验收：88(\.00)? 分，验收通过。"))
    expect(staff.locator("#state-actions")).to_contain_text("当前状态：验收通过")
    expect(staff.locator("#acceptance")).to_contain_text("验收通过")
    acceptance = Acceptance.objects.get(application=top)
    assert (acceptance.score, acceptance.result) == (Decimal("88"), AcceptanceResult.PASSED)
    assert acceptance.accepted_on == timezone.localdate()

    staff.locator("#state-actions").get_by_role("button", name="归档", exact=True).click()
    expect(success_message(staff)).to_have_text("已执行“归档”，申报当前状态：已归档。")
    expect(staff.locator("#state-actions")).to_contain_text("当前状态：已归档")
    top.refresh_from_db()
    assert top.status == ApplicationStatus.ARCHIVED

    # The awardee sees the project archived, with its acceptance.
    awardee.reload()
    expect(awardee.locator("main")).to_contain_text("项目已归档。")
    expect(awardee.locator("main")).to_contain_text("验收通过")
    awardee.context.close()
    staff.context.close()
