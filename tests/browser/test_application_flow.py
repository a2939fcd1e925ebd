"""The award application in the browser: an officer writes and submits it.

`officer_submits_application` is the first leg of the whole flow (officer → formal check
→ experts → ranking); the staff and expert legs reuse it.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfWriter

from projects.enums import ApplicationStatus
from projects.models import Application
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_officer_portal import sign_in

# Indicators and expertise areas come from data migrations: keep them between tests.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "智能建造与建筑工业化科技服务团队建设"


def small_pdf() -> bytes:
    """A real one-page PDF, as a scanner would give the stamped application form."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def fill_row(page, prefix, index, **values):
    for name, value in values.items():
        field = page.locator(f'[name="{prefix}-{index}-{name}"]')
        if name == "indicator":
            field.select_option(label=value)
        else:
            field.fill(value)


def officer_submits_application(page, live_server, *, username, call, title=TITLE) -> Application:
    """Sign in as the officer, apply to `call` from its notice, fill everything in, attach a
    PDF and submit. Returns the submitted application."""
    sign_in(page, live_server, username)

    page.get_by_role("link", name="申报通知").first.click()
    page.get_by_role("link", name=call.title).click()
    expect(page.get_by_role("heading", name=call.title)).to_be_visible()
    page.get_by_role("link", name="申报", exact=True).click()

    expect(page.get_by_role("heading", name="新建申报")).to_be_visible()
    page.get_by_label("项目名称").fill(title)
    page.get_by_label("能力领域").select_option(label="创新支撑力")
    page.get_by_label("专业领域").select_option(label="桥梁隧道工程")
    page.get_by_label("项目简介").fill("组建科技服务团队，面向全省会员单位开展技术指导。")
    page.get_by_label("具体方案").fill("一、组建团队；\n二、开展技术指导；\n三、发布科技成果。")
    page.get_by_role("button", name="创建草稿").click()

    expect(page.get_by_role("heading", name="编辑申报")).to_be_visible()
    fill_row(
        page,
        "outputs",
        0,
        indicator="I05 提供科技评价、标准研制、成果鉴定、决策咨询、人才培训、技术指导等科技服务",
        quantity="3",
        description="技术指导三项",
    )
    fill_row(page, "budget", 0, item="专家咨询费", amount="2000")
    fill_row(page, "budget", 1, item="资料印刷费", amount="1000", note="500 册")
    fill_row(page, "team", 0, name="李建国", title="正高级工程师", unit="四川省建筑设计研究院",
             role="项目负责人")  # fmt: skip
    fill_row(page, "team", 1, name="王敏", role="技术骨干")
    fill_row(page, "milestones", 0, title="组建团队", due_on="2023-09-30")
    fill_row(page, "milestones", 1, title="完成技术指导", due_on="2023-11-30")
    page.get_by_role("button", name="保存并查看").click()

    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text("请上传至少一个申报附件")).to_be_visible()

    page.get_by_label("文件").set_input_files(
        {"name": "申报书（盖章）.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}
    )
    page.get_by_label("说明").fill("盖章扫描件")
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("status").filter(has_text="已上传附件")).to_be_visible()
    expect(page.get_by_role("link", name="申报书（盖章）.pdf")).to_be_visible()
    expect(page.get_by_text("内容完整，可以提交。")).to_be_visible()

    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已提交")).to_be_visible()
    expect(page.locator(".status-badge")).to_have_text("已提交")
    return Application.objects.get(title=title)


def test_officer_writes_and_submits_an_application(page, live_server, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    call = factories.CallFactory(title="2023年度创建一流科技社团培育奖励申报")
    unit = factories.MemberUnitFactory(name="四川蜀道建设集团有限公司")
    factories.UnitOfficerFactory(username="liaison", member_unit=unit)

    application = officer_submits_application(page, live_server, username="liaison", call=call)

    assert application.status == ApplicationStatus.SUBMITTED
    assert application.member_unit == unit
    assert application.budget.count() == 2
    assert application.team.count() == 2
    assert application.versions.count() == 1
    attachment = application.attachments.get()
    assert attachment.original_name == "申报书（盖章）.pdf"
    assert (tmp_path / attachment.file.name).read_bytes().startswith(b"%PDF-")
    expect(page.get_by_text("等待秘书处形式审查")).to_be_visible()
    expect(page.get_by_role("link", name="编辑申报内容")).to_have_count(0)
    page.screenshot(path="/tmp/application-submitted-desktop.png", full_page=True)

    page.set_viewport_size(PHONE)
    page.screenshot(path="/tmp/application-submitted-phone.png", full_page=True)
    page.get_by_role("button", name="展开菜单").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="申报项目").click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    page.screenshot(path="/tmp/application-list-phone.png", full_page=True)


def test_officer_cannot_submit_after_the_deadline(page, live_server):
    call = factories.CallFactory()
    officer = factories.UnitOfficerFactory(username="late_liaison")
    application = factories.complete_application(
        factories.ApplicationFactory(call=call, member_unit=officer.member_unit)
    )
    call.applications_close_at = timezone.now() - timedelta(minutes=1)
    call.save()

    sign_in(page, live_server, "late_liaison")
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="不在申报时间内")).to_be_visible()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
