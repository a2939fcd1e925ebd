"""The member flow in Chromium, each person in their own browser: a visitor applies on the
sign-up page and confirms the address from the mail, the secretariat approves in the admin,
the new member sets a password from the welcome mail, signs in, completes the profile, sees
the growth record (with a service they took part in) and rates that service; an anonymous
visitor reads a published notice."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from kpis.models import SatisfactionResponse
from society.enums import MemberStatus, RegistrationStatus, Role
from society.models import Article, Member, Registration
from tests import factories
from tests.browser.test_award_flow import portal_message
from tests.browser.test_award_review_flow import admin_sign_in, person, success_message
from tests.factories import RecordFactory, indicator

# The indicators and the expertise areas come from data migrations: keep them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NAME = "李明远"
PHONE = "13981234567"
EMAIL = "li.mingyuan@example.com"
UNIT = "中国建筑西南设计研究院有限公司"
BRANCH = "桥梁与隧道工程专业委员会"
PASSWORD = "Shudao-Bridge-2023"
TIANFU_ACCOUNT = "tfkjy-limingyuan"
SERVICE = "成都天府国际机场高速公路隧道检测技术指导"
COMMENT = "专家现场讲解细致，检测方案实用。"
NOTICE = "关于开展2023年度土木建筑科技成果评价工作的通知"
NOTICE_BODY = "各会员单位：为推动科技成果转化，学会决定开展年度科技成果评价工作。"


def field(page, label):
    """A form field by its label, which ends in " *" when the field is required."""
    return page.get_by_label(re.compile(rf"^{label}( \*)?$"))


def menu(page, name):
    return page.get_by_role("navigation", name="主导航").get_by_role("link", name=name)


def mailed_link(message, live_server) -> str:
    """The link in a mail, on the live server (the mail names settings.SITE_URL)."""
    link = re.search(r"https?://\S+", message.body).group(0)
    return live_server.url + urlsplit(link).path


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


def test_a_visitor_joins_and_keeps_a_profile_and_growth_record(people, live_server, mailoutbox):
    cache.clear()  # the sign-up page's per-client counter is kept in the cache
    factories.StaffUserFactory(username="secretary", last_name="陈", first_name="秘书")
    unit = factories.MemberUnitFactory(name=UNIT)
    branch = factories.BranchFactory(name=BRANCH)
    today = timezone.localdate()

    # 1. A visitor finds the sign-up page from the login page and applies.
    visitor = people()
    visitor.goto(f"{live_server.url}/accounts/login/")
    visitor.get_by_role("link", name="申请加入学会").click()
    expect(visitor.get_by_role("heading", name="个人会员入会申请")).to_be_visible()
    expect(visitor.locator("#privacy-notice")).to_contain_text("个人信息处理说明")
    field(visitor, "姓名").fill(NAME)
    field(visitor, "性别").select_option(label="男")
    field(visitor, "手机号").fill(PHONE)
    field(visitor, "电子邮箱").fill(EMAIL)
    field(visitor, "所在会员单位").select_option(label=UNIT)
    field(visitor, "职称").select_option(label="高级工程师")
    visitor.get_by_label("桥梁隧道工程", exact=True).check()
    visitor.get_by_label(BRANCH, exact=True).check()
    visitor.get_by_label("我已阅读并同意上述个人信息处理说明").check()
    visitor.get_by_role("button", name="提交入会申请").click()

    expect(visitor.get_by_role("heading", name="入会申请已提交")).to_be_visible()
    registration = Registration.objects.get()
    assert (registration.name, registration.phone, registration.email) == (NAME, PHONE, EMAIL)
    assert (registration.employer, registration.employer_name) == (unit, UNIT)
    assert registration.title == "senior_engineer"
    assert [a.name for a in registration.expertise.all()] == ["桥梁隧道工程"]
    assert list(registration.branches.all()) == [branch]
    assert registration.status == RegistrationStatus.UNCONFIRMED
    assert registration.consent_at is not None
    assert [m.to for m in mailoutbox] == [[EMAIL]]
    assert "请确认您的入会申请邮箱" in mailoutbox[0].subject

    # The link in the mail confirms the address.
    visitor.goto(mailed_link(mailoutbox[0], live_server))
    expect(visitor.get_by_role("heading", name="确认邮箱")).to_be_visible()
    expect(visitor.get_by_role("status")).to_contain_text("您的邮箱已确认，入会申请已交秘书处审核")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert registration.email_confirmed_at is not None

    # 2. The secretariat approves the application in the admin.
    secretary = people()
    admin_sign_in(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}/admin/society/registration/")
    results = secretary.locator("#result_list tbody tr")
    expect(results).to_have_count(1)
    results.get_by_role("link", name=NAME).click()
    expect(secretary.get_by_role("heading", name="审核入会申请")).to_be_visible()
    expect(secretary.locator("#registration-actions")).to_contain_text("当前状态：待审核")
    secretary.get_by_role("button", name="批准", exact=True).click()
    number = f"SCTJ-{today.year}-00001"
    expect(success_message(secretary)).to_have_text(
        f"已批准{NAME}的入会申请，会员编号 {number}，已发邮件通知设置密码。"
    )
    expect(secretary.locator("#registration-actions")).to_contain_text("当前状态：已批准")
    member = Member.objects.get()
    assert (member.member_number, member.name, member.phone, member.email) == (
        number,
        NAME,
        PHONE,
        EMAIL,
    )
    assert (member.status, member.joined_on, member.employer) == (MemberStatus.ACTIVE, today, unit)
    assert (member.user.username, member.user.role) == (number, Role.MEMBER)
    assert not member.user.has_usable_password()
    registration.refresh_from_db()
    assert (registration.status, registration.member) == (RegistrationStatus.APPROVED, member)

    # 3. The welcome mail's link lets the member set a password.
    welcome = mailoutbox[-1]
    assert welcome.to == [EMAIL]
    assert "入会申请已批准" in welcome.subject
    assert number in welcome.body
    visitor.goto(mailed_link(welcome, live_server))
    expect(visitor.get_by_role("heading", name="设置新密码")).to_be_visible()
    field(visitor, "新密码").fill(PASSWORD)
    field(visitor, "新密码确认").fill(PASSWORD)
    visitor.get_by_role("button", name="保存新密码").click()
    expect(visitor.get_by_role("heading", name="密码已重设")).to_be_visible()
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)

    # 4. The member signs in with the member number and completes the profile.
    visitor.get_by_role("link", name="登录").last.click()
    expect(visitor.get_by_role("heading", name="登录")).to_be_visible()
    visitor.get_by_label("用户名").fill(number)
    visitor.get_by_label("密码").fill(PASSWORD)
    visitor.get_by_role("button", name="登录").click()
    expect(menu(visitor, "我的资料")).to_be_visible()

    menu(visitor, "我的资料").click()
    expect(visitor.get_by_role("heading", name="我的资料")).to_be_visible()
    expect(visitor.locator(".profile-list")).to_contain_text(number)
    expect(visitor.get_by_test_id("tianfu-nudge")).to_be_visible()
    registered_on = today - datetime.timedelta(days=3)
    field(visitor, "天府科技云注册日期").fill(registered_on.isoformat())
    field(visitor, "天府科技云账号").fill(TIANFU_ACCOUNT)
    visitor.get_by_role("button", name="保存", exact=True).click()
    expect(portal_message(visitor)).to_contain_text("已保存")
    expect(visitor.get_by_test_id("tianfu-nudge")).to_have_count(0)
    expect(field(visitor, "天府科技云账号")).to_have_value(TIANFU_ACCOUNT)
    member.refresh_from_db()
    assert (member.tianfu_registered_on, member.tianfu_account) == (registered_on, TIANFU_ACCOUNT)
    assert (member.phone, member.email) == (PHONE, EMAIL)  # untouched
    assert member.version == 2

    # 5. The growth record: joining, then a verified service the member took part in.
    menu(visitor, "成长足迹").click()
    expect(visitor.get_by_role("heading", name="个人成长足迹")).to_be_visible()
    this_year = visitor.locator(".growth-year").filter(
        has=visitor.get_by_role("heading", name=f"{today.year} 年")
    )
    expect(this_year).to_contain_text("入会")
    expect(this_year).to_contain_text("加入四川省土木建筑学会")
    expect(this_year).to_contain_text(f"会员编号 {number}")
    expect(visitor.get_by_text(SERVICE)).to_have_count(0)

    record = RecordFactory(
        indicator=indicator("I05"),
        category="技术指导",
        title=SERVICE,
        member_unit=unit,
        occurred_on=today,
    )
    record.participants.add(member)
    visitor.reload()
    service = visitor.locator(".growth-year li").filter(has_text=SERVICE)
    expect(service).to_have_count(1)
    expect(service).to_contain_text("技术指导")
    expect(this_year).to_contain_text("入会")

    # 6. The member rates the service.
    menu(visitor, "服务评价").click()
    expect(visitor.get_by_role("heading", name="服务评价")).to_be_visible()
    form = visitor.get_by_test_id(f"service-{record.pk}")
    expect(form).to_contain_text(SERVICE)
    form.get_by_label("5", exact=True).check()
    form.get_by_label("意见（可选）").fill(COMMENT)
    form.get_by_role("button", name="提交评价").click()
    expect(portal_message(visitor)).to_contain_text("感谢您的评价！")
    expect(visitor.get_by_test_id(f"service-{record.pk}")).to_have_count(0)
    expect(visitor.get_by_text("目前没有待评价的服务。")).to_be_visible()
    answered = visitor.locator(".list-group-item").filter(has_text=SERVICE)
    expect(answered).to_contain_text("5 分")
    response = SatisfactionResponse.objects.get()
    assert (response.record, response.member, response.rating, response.comment) == (
        record,
        member,
        5,
        COMMENT,
    )


def test_a_visitor_reads_a_published_notice(page, live_server):
    now = timezone.now()
    article = Article.objects.create(
        kind="announcement",
        title=NOTICE,
        summary="请各会员单位于10月31日前报送成果。",
        body=NOTICE_BODY,
        publish_at=now - datetime.timedelta(days=1),
        published=True,
    )
    tomorrow = now + datetime.timedelta(days=1)
    Article.objects.create(
        kind="news", title="尚未到发布时间的新闻", body="草稿", publish_at=tomorrow, published=True
    )
    Article.objects.create(
        kind="news", title="未发布的新闻", body="草稿", publish_at=now, published=False
    )

    page.goto(f"{live_server.url}/news/")
    expect(page.get_by_role("heading", name="信息发布")).to_be_visible()
    items = page.locator(".article-list .list-group-item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("通知公告")
    items.get_by_text(NOTICE).click()

    expect(page.get_by_role("heading", name=NOTICE)).to_be_visible()
    assert page.url == f"{live_server.url}/news/{article.pk}/"
    expect(page.locator(".article-body")).to_have_text(NOTICE_BODY)
    expect(page.get_by_role("link", name="登录")).to_be_visible()  # nobody signed in
