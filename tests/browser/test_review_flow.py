"""Browser: an expert finds a new review task, scores it, saves a draft and submits it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from projects.enums import ReviewStatus
from projects.models import ReviewAssignment
from projects.services import assignment_create
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_officer_portal import sign_in

# The rubric's indicators and expertise areas come from data migrations: keep them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

COMMENT = "团队实施能力强，措施具体可行，预期成果明确，建议予以支持。"


def expert_scores(page, live_server, *, title, scores, comment, username=None):
    """Open the task `title` from 评审任务, enter the scores (criterion name -> points) and
    the comment, save a draft, submit, and return the weighted total the locked page shows.

    Signs in first when `username` is given (the page must then be signed out).
    """
    if username is not None:
        sign_in(page, live_server, username)
    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_role("heading", name="评审任务", exact=True)).to_be_visible()
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    for name, points in scores.items():
        page.get_by_role("spinbutton", name=name).fill(str(points))
    page.get_by_role("textbox", name="评审意见").fill(comment)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status").filter(has_text="评审草稿已保存")).to_be_visible()
    expect(page.get_by_role("textbox", name="评审意见")).to_have_value(comment)

    page.get_by_role("checkbox", name="提交后不能修改").check()
    page.get_by_role("button", name="提交评审").click()
    expect(page.get_by_role("status").filter(has_text="评审已提交")).to_be_visible()
    expect(page.get_by_text("已锁定", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="提交评审")).to_have_count(0)
    return page.get_by_test_id("review-total").inner_text()


def test_expert_scores_and_submits_a_review(page, live_server):
    staff = factories.StaffUserFactory()
    expert_user = factories.ExpertUserFactory(username="expert_wang")
    expert = factories.ExpertFactory(user=expert_user, name="王专家")
    application = factories.ApplicationFactory(
        title="韧性城市科技服务团队建设",
        status="under_review",
        call=factories.CallFactory(in_review=True),
    )
    factories.complete_application(application)
    assignment_create(application=application, expert=expert, user=staff)

    sign_in(page, live_server, "expert_wang")
    expect(page.get_by_role("heading", name="专家工作台")).to_be_visible()
    expect(page.get_by_test_id("unread-badge")).to_have_text("1条未读")
    page.get_by_role("link", name="通知").click()
    expect(page.get_by_role("heading", name="站内通知")).to_be_visible()
    page.screenshot(path="/tmp/notifications-desktop.png", full_page=True)
    page.get_by_role("link", name="您有1项新的评审任务").click()
    expect(page.get_by_role("heading", name="评审任务", exact=True)).to_be_visible()
    expect(page.get_by_text("待评审")).to_be_visible()
    expect(page.get_by_test_id("unread-badge")).to_have_count(0)

    total = expert_scores(
        page,
        live_server,
        title="韧性城市科技服务团队建设",
        scores={"实施能力强": 22, "工作好": 20.5, "措施实": 21, "潜力大": 23},
        comment=COMMENT,
    )
    assert total == "86.50"
    expect(page.get_by_text(COMMENT)).to_be_visible()
    page.screenshot(path="/tmp/review-locked-desktop.png", full_page=True)

    assignment = ReviewAssignment.objects.get(application=application, expert=expert)
    assert assignment.status == ReviewStatus.SUBMITTED
    assert assignment.total == Decimal("86.50")
    assert assignment.comment == COMMENT

    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_text("已提交", exact=True)).to_be_visible()
    page.set_viewport_size(PHONE)
    page.screenshot(path="/tmp/review-list-phone.png", full_page=True)


def test_out_of_range_score_is_explained_in_chinese(page, live_server):
    expert_user = factories.ExpertUserFactory(username="expert_li")
    assignment = factories.ReviewAssignmentFactory(
        expert=factories.ExpertFactory(user=expert_user), application__title="桥梁检测服务项目"
    )
    sign_in(page, live_server, "expert_li")
    page.goto(f"{live_server.url}/review/{assignment.pk}/")
    page.get_by_role("spinbutton", name="实施能力强").fill("30")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("“实施能力强”的得分须在0至25之间")).to_be_visible()
    expect(page.get_by_role("spinbutton", name="实施能力强")).to_have_class(
        "form-control is-invalid"
    )
    page.screenshot(path="/tmp/review-error-desktop.png", full_page=True)
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.ASSIGNED
