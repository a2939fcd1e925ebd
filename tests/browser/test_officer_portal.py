import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

NEW_ADDRESS = "成都市武侯区人民南路四段1号"


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_officer_edits_profile_and_sees_a_chinese_error_for_a_bad_phone(page, live_server):
    unit = factories.MemberUnitFactory(name="四川蜀道建设集团有限公司")
    factories.UnitOfficerFactory(username="liaison", member_unit=unit)
    factories.MemberFactory.create_batch(3, employer=unit)

    sign_in(page, live_server, "liaison")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="机构工作台")).to_be_visible()
    expect(page.get_by_role("heading", name="四川蜀道建设集团有限公司")).to_be_visible()

    page.get_by_role("link", name="编辑机构信息").click()
    expect(page.get_by_role("heading", name="编辑机构信息")).to_be_visible()
    page.get_by_label("地址").fill(NEW_ADDRESS)
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    expect(page.get_by_text(NEW_ADDRESS)).to_be_visible()
    unit.refresh_from_db()
    assert unit.address == NEW_ADDRESS
    assert unit.version == 2
    page.screenshot(path="/tmp/portal-detail-desktop.png", full_page=True)

    page.get_by_role("link", name="编辑", exact=True).click()
    page.get_by_label("联络员电话").fill("12345")
    page.get_by_label("地址").fill("不应保存的地址")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("请输入有效的电话号码")).to_be_visible()
    expect(page.get_by_label("联络员电话")).to_have_class("form-control is-invalid")
    unit.refresh_from_db()
    assert unit.liaison_phone == "13900000000"
    assert unit.address == NEW_ADDRESS
    assert unit.version == 2
    page.screenshot(path="/tmp/portal-edit-error-desktop.png", full_page=True)

    page.set_viewport_size(PHONE)
    page.screenshot(path="/tmp/portal-edit-error-phone.png", full_page=True)
    page.get_by_role("link", name="机构会员").first.click()
    expect(page.get_by_role("table")).to_be_visible()
    page.screenshot(path="/tmp/portal-members-phone.png", full_page=True)


def test_officer_switches_to_english(page, live_server):
    officer = factories.BranchOfficerFactory(username="branch_liaison")
    sign_in(page, live_server, "branch_liaison")
    expect(page.get_by_role("link", name="本机构")).to_be_visible()

    page.get_by_role("button", name="切换语言").click()
    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My organisation")).to_be_visible()
    expect(page.get_by_role("heading", name="Organisation workspace")).to_be_visible()
    expect(page.get_by_role("heading", name=officer.branch.name)).to_be_visible()
