"""The expert portal: who may open what, scoring through the form, locking, conflicts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.enums import ApplicationStatus, ReviewStatus
from projects.models import Score
from society.models import AuditEntry, Notification
from tests import factories

LOGIN = reverse("login")
PAGES = ["review-detail", "review-conflict"]
NON_EXPERTS = ["staff_user", "branch_officer", "unit_officer", "leader_user", "member_user"]


@pytest.fixture
def assignment(expert_user):
    return factories.ReviewAssignmentFactory(expert=expert_user.expert)


def url(name, assignment=None):
    return reverse(f"projects:{name}", args=[assignment.pk] if assignment else [])


def status_for(client, user, address, method="get"):
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(address).status_code


def another_expert(**kwargs):
    user = factories.ExpertUserFactory()
    factories.ExpertFactory(user=user, **kwargs)
    return user


def form_data(assignment, points, *, comment="", action="draft", confirm=False):
    data = {"comment": comment, "action": action}
    for criterion, value in zip(assignment.application.call.criteria.all(), points, strict=True):
        data[f"score_{criterion.pk}"] = "" if value is None else str(value)
    if confirm:
        data["confirm"] = "on"
    return data


GOOD_COMMENT = "方案具体，团队能力强，措施可行，建议支持。"


def submit(client, assignment, points=(20, 21, 22, 23), comment=GOOD_COMMENT):
    return client.post(
        url("review-detail", assignment),
        form_data(assignment, points, comment=comment, action="submit", confirm=True),
    )


# --- permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("page", ["review-list", *PAGES])
def test_assigned_expert_opens_every_page(client, assignment, expert_user, page):
    target = url(page, None if page == "review-list" else assignment)
    assert status_for(client, expert_user, target) == 200


@pytest.mark.parametrize("page", PAGES)
def test_another_expert_gets_404(client, assignment, page):
    stranger = another_expert()
    assert status_for(client, stranger, url(page, assignment)) == 404
    assert status_for(client, stranger, url(page, assignment), "post") == 404


@pytest.mark.parametrize("page", PAGES)
def test_expert_with_a_declared_conflict_gets_404(client, assignment, expert_user, page):
    assignment.status = ReviewStatus.CONFLICT
    assignment.save()
    assert status_for(client, expert_user, url(page, assignment)) == 404
    assert status_for(client, expert_user, url(page, assignment), "post") == 404


@pytest.mark.parametrize("page", ["review-list", *PAGES])
@pytest.mark.parametrize("role", NON_EXPERTS)
def test_other_roles_are_refused(client, request, assignment, role, page):
    target = url(page, None if page == "review-list" else assignment)
    assert status_for(client, request.getfixturevalue(role), target) == 403


@pytest.mark.parametrize("page", PAGES)
def test_the_applicant_officer_is_refused(client, assignment, page):
    officer = factories.UnitOfficerFactory(member_unit=assignment.application.member_unit)
    assert status_for(client, officer, url(page, assignment)) == 403
    assert status_for(client, officer, url(page, assignment), "post") == 403


@pytest.mark.parametrize("page", ["review-list", *PAGES])
def test_anonymous_is_sent_to_login(client, assignment, page):
    target = url(page, None if page == "review-list" else assignment)
    response = client.get(target)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={target}"


def test_nonexistent_assignment_is_404(client, expert_user):
    client.force_login(expert_user)
    assert client.get(reverse("projects:review-detail", args=[999999])).status_code == 404


# --- the list --------------------------------------------------------------------------


def test_list_shows_only_own_assignments_grouped_by_call(client, expert_user, assignment):
    second_call = factories.CallFactory(in_review=True, title="2024年度培育奖励申报")
    own_later = factories.ReviewAssignmentFactory(
        expert=expert_user.expert,
        application__call=second_call,
        application__title="城市更新技术服务项目",
        status=ReviewStatus.SUBMITTED,
    )
    someone_elses = factories.ReviewAssignmentFactory(application__title="别人的评审任务")
    released = factories.ReviewAssignmentFactory(
        expert=expert_user.expert,
        application__title="已回避的项目",
        status=ReviewStatus.CONFLICT,
    )
    client.force_login(expert_user)
    response = client.get(url("review-list"))
    page = response.content.decode()
    groups = response.context["groups"]
    assert [g.call for g in groups] == [assignment.application.call, second_call]
    assert [a.pk for g in groups for a in g.assignments] == [assignment.pk, own_later.pk]
    assert response.context["open_total"] == 1
    assert assignment.application.title in page
    assert assignment.application.member_unit.name in page
    assert "创新支撑力" in page
    assert "待评审" in page and "已提交" in page
    assert url("review-detail", own_later) in page
    assert someone_elses.application.title not in page
    assert released.application.title not in page


def test_list_shows_deadline_in_beijing_time_and_time_left(client, expert_user, assignment):
    call = assignment.application.call
    call.review_close_at = timezone.now() + timedelta(days=3, hours=5)
    call.save()
    client.force_login(expert_user)
    page = client.get(url("review-list")).content.decode()
    beijing = timezone.localtime(call.review_close_at).strftime("%Y-%m-%d %H:%M")
    assert f"评审截止：{beijing}（北京时间）" in page
    assert "剩余 3\xa0日" in page


def test_list_says_when_the_review_has_closed(client, expert_user):
    call = factories.CallFactory(
        in_review=True, review_close_at=timezone.now() - timedelta(hours=1)
    )
    factories.ReviewAssignmentFactory(expert=expert_user.expert, application__call=call)
    client.force_login(expert_user)
    assert "评审已截止" in client.get(url("review-list")).content.decode()


def test_empty_list_says_so(client, expert_user):
    client.force_login(expert_user)
    assert "暂无评审任务" in client.get(url("review-list")).content.decode()


# --- scoring ---------------------------------------------------------------------------


def test_detail_shows_the_application_and_the_rubric(client, expert_user, assignment):
    application = factories.complete_application(assignment.application)
    client.force_login(expert_user)
    page = client.get(url("review-detail", assignment)).content.decode()
    for text in (
        application.title,
        application.member_unit.name,
        application.summary,
        application.plan,
        "技术指导两项",  # planned output
        "专家咨询费",  # budget line
        "¥3,000.00",  # budget total
        "李工",  # team
        "完成技术指导",  # milestone
        "申报书.pdf",
        reverse("projects:attachment-download", args=[application.attachments.get().pk]),
        "满分 25 分 · 权重 1",
        'max="25.00"',
        'step="0.5"',
        "保存草稿",
        "提交评审",
        "提交后不能修改",
    ):
        assert text in page, text
    for name in factories.RUBRIC:
        assert name in page


def test_save_draft_then_submit_then_locked(client, expert_user, assignment):
    client.force_login(expert_user)
    detail = url("review-detail", assignment)
    response = client.post(detail, form_data(assignment, [20, 18.5, None, None]))
    assert response.status_code == 302
    assert response.url == detail
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.DRAFT
    assert sorted(Score.objects.values_list("points", flat=True)) == [
        Decimal("18.50"),
        Decimal("20.00"),
    ]
    page = client.get(detail).content.decode()
    assert "评审草稿已保存" in page
    assert 'value="18.50"' in page

    response = submit(client, assignment)
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.SUBMITTED
    assert assignment.total == Decimal("86.00")
    assert assignment.comment == GOOD_COMMENT
    page = client.get(detail).content.decode()
    assert "评审已提交" in page
    assert "86.00" in page
    assert "已锁定" in page
    assert 'name="action"' not in page  # no form any more


def test_a_submitted_review_cannot_be_changed(client, expert_user, assignment):
    client.force_login(expert_user)
    submit(client, assignment)
    audit_before = AuditEntry.objects.count()
    response = submit(client, assignment, points=(1, 1, 1, 1), comment="改成很低的分数以示不满")
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.total == Decimal("86.00")
    assert assignment.comment == GOOD_COMMENT
    assert sorted(Score.objects.values_list("points", flat=True)) == [20, 21, 22, 23]
    assert AuditEntry.objects.count() == audit_before
    page = client.get(url("review-detail", assignment)).content.decode()
    assert "评审已提交并锁定" in page


@pytest.mark.parametrize(
    "points, message",
    [
        ((26, 20, 20, 20), "“实施能力强”的得分须在0至25之间"),
        ((20, -1, 20, 20), "“工作好”的得分须在0至25之间"),
        ((20, 20, 12.3, 20), "“措施实”的得分须为0.5分的整数倍"),
        ((20, 20, 20, "很好"), "请输入数字"),
    ],
)
@pytest.mark.parametrize("action", ["draft", "submit"])
def test_bad_scores_are_refused_and_nothing_saved(
    client, expert_user, assignment, points, message, action
):
    client.force_login(expert_user)
    response = client.post(
        url("review-detail", assignment),
        form_data(assignment, points, comment=GOOD_COMMENT, action=action, confirm=True),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.ASSIGNED
    assert not Score.objects.exists()


def test_score_bounds_follow_the_calls_rubric(client, expert_user, assignment):
    criterion = assignment.application.call.criteria.get(name="潜力大")
    criterion.max_points = Decimal("40")
    criterion.save()
    client.force_login(expert_user)
    ok = client.post(url("review-detail", assignment), form_data(assignment, [25, 25, 25, 40]))
    assert ok.status_code == 302
    refused = client.post(url("review-detail", assignment), form_data(assignment, [26, 0, 0, 0]))
    assert "“实施能力强”的得分须在0至25之间" in refused.content.decode()
    assert Score.objects.get(criterion=criterion).points == Decimal("40")


@pytest.mark.parametrize("comment", ["", "   ", "同意。"])
def test_submit_needs_a_comment(client, expert_user, assignment, comment):
    client.force_login(expert_user)
    response = submit(client, assignment, comment=comment)
    assert response.status_code == 200
    assert "请填写评审意见（不少于10个字）" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.ASSIGNED
    assert not Score.objects.exists()


def test_submit_needs_every_score_and_the_confirmation(client, expert_user, assignment):
    client.force_login(expert_user)
    response = client.post(
        url("review-detail", assignment),
        form_data(assignment, [20, None, 20, 20], comment=GOOD_COMMENT, action="submit"),
    )
    page = response.content.decode()
    assert "请为“工作好”打分" in page
    assert "提交前请勾选确认" in page
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.ASSIGNED


def test_after_the_review_deadline_nothing_is_saved(client, expert_user):
    call = factories.CallFactory(
        in_review=True, review_close_at=timezone.now() - timedelta(hours=1)
    )
    assignment = factories.ReviewAssignmentFactory(
        expert=expert_user.expert, application__call=call
    )
    client.force_login(expert_user)
    page = client.get(url("review-detail", assignment)).content.decode()
    assert "评审已截止" in page
    assert "<fieldset disabled>" in page
    for action in ("draft", "submit"):
        response = client.post(
            url("review-detail", assignment),
            form_data(assignment, [20, 20, 20, 20], comment=GOOD_COMMENT, action=action, confirm=1),
        )
        assert response.status_code == 200
        assert "不在评审时间内" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.ASSIGNED
    assert not Score.objects.exists()


def test_application_no_longer_under_review_is_read_only(client, expert_user, assignment):
    application = assignment.application
    application.status = ApplicationStatus.TERMINATED
    application.save()
    client.force_login(expert_user)
    assert "此申报已不在评审阶段" in client.get(url("review-detail", assignment)).content.decode()
    response = submit(client, assignment)
    assert "此申报已不在评审阶段" in response.content.decode()
    assert not Score.objects.exists()


def test_expert_never_sees_other_experts_scores(client, expert_user, assignment):
    other_user = another_expert(name="欧阳评审")
    other = factories.ReviewAssignmentFactory(
        application=assignment.application, expert=other_user.expert
    )
    client.force_login(other_user)
    submit(client, other, points=(15, 15.5, 15.5, 15.5), comment="另一位专家的独家意见：预算偏高。")
    other.refresh_from_db()
    assert other.total == Decimal("61.50")

    client.force_login(expert_user)
    detail = url("review-detail", assignment)
    for stage in ("before", "after"):
        page = client.get(detail).content.decode()
        assert "另一位专家的独家意见" not in page, stage
        assert "61.50" not in page, stage
        assert "15.50" not in page, stage
        assert "欧阳评审" not in page, stage
        if stage == "before":
            submit(client, assignment)
    list_page = client.get(url("review-list")).content.decode()
    assert "61.50" not in list_page
    assert "欧阳评审" not in list_page


# --- conflict --------------------------------------------------------------------------


def test_declaring_a_conflict_releases_the_assignment(client, expert_user, assignment, staff_user):
    client.force_login(expert_user)
    client.post(url("review-detail", assignment), form_data(assignment, [20, 20, 20, 20]))
    response = client.post(url("review-conflict", assignment), {"reason": "本人曾为该项目提供咨询"})
    assert response.status_code == 302
    assert response.url == url("review-list")
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.CONFLICT
    assert assignment.conflict_reason == "本人曾为该项目提供咨询"
    assert not Score.objects.exists()
    assert Notification.objects.filter(user=staff_user, title__contains="回避").exists()
    list_page = client.get(url("review-list")).content.decode()
    assert "已声明回避" in list_page  # the message
    assert url("review-detail", assignment) not in list_page
    for page in PAGES:
        assert client.get(url(page, assignment)).status_code == 404


def test_conflict_needs_a_reason(client, expert_user, assignment):
    client.force_login(expert_user)
    response = client.post(url("review-conflict", assignment), {"reason": "  "})
    assert response.status_code == 200
    assert "请说明回避理由" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.ASSIGNED


def test_no_conflict_after_submitting(client, expert_user, assignment):
    client.force_login(expert_user)
    submit(client, assignment)
    assert "评审已提交，不能再声明回避" in (
        client.get(url("review-conflict", assignment)).content.decode()
    )
    response = client.post(url("review-conflict", assignment), {"reason": "突然想起有关系"})
    assert "评审已提交，不能再声明回避" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.SUBMITTED


# --- expert home -----------------------------------------------------------------------


def test_expert_home_counts_open_assignments(client, expert_user, assignment):
    factories.ReviewAssignmentFactory(expert=expert_user.expert, status=ReviewStatus.DRAFT)
    factories.ReviewAssignmentFactory(expert=expert_user.expert, status=ReviewStatus.SUBMITTED)
    factories.ReviewAssignmentFactory(expert=expert_user.expert, status=ReviewStatus.CONFLICT)
    client.force_login(expert_user)
    response = client.get(reverse("home"))
    assert response.context["open_reviews"] == 2
    assert url("review-list") in response.content.decode()


# --- query counts ----------------------------------------------------------------------


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def add_assignments(expert, n):
    """n assignments over two calls, every other one from a branch rather than a unit."""
    calls = [factories.CallFactory(in_review=True) for _ in range(2)]
    for i in range(n):
        applicant = (
            {"application__member_unit": None, "application__branch": factories.BranchFactory()}
            if i % 2
            else {}
        )
        factories.ReviewAssignmentFactory(
            expert=expert, application__call=calls[i % 2], **applicant
        )


def test_review_list_query_count_does_not_grow(client, expert_user):
    client.force_login(expert_user)
    add_assignments(expert_user.expert, 1)
    small = count_queries(client, url("review-list"))
    add_assignments(expert_user.expert, 12)
    assert count_queries(client, url("review-list")) == small


def grow_application(application, n):
    for _ in range(n):
        factories.complete_application(application)


@pytest.mark.parametrize("locked", [False, True])
def test_review_detail_query_count_does_not_grow(client, expert_user, assignment, locked):
    client.force_login(expert_user)
    grow_application(assignment.application, 1)
    if locked:
        submit(client, assignment)
    detail = url("review-detail", assignment)
    small = count_queries(client, detail)
    grow_application(assignment.application, 6)
    for _ in range(4):
        factories.ReviewAssignmentFactory(application=assignment.application)
    assert count_queries(client, detail) == small
