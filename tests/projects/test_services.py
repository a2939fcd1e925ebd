import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile

from kpis.models import Indicator
from projects.enums import ApplicationStatus, ReviewStatus
from projects.models import Application, Attachment, ReviewAssignment, Score
from projects.services import (
    application_create,
    application_transition,
    application_update,
    assignment_create,
    assignments_auto,
    attachment_add,
    call_copy,
    conflict_reason,
    review_declare_conflict,
    review_reopen,
    review_save,
)
from society.errors import DomainError, StaleEditError
from society.models import ExpertiseArea, Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return factories.UnitOfficerFactory()


@pytest.fixture
def draft(officer):
    application = factories.ApplicationFactory(member_unit=officer.member_unit)
    return factories.complete_application(application)


# --- submission ------------------------------------------------------------


def test_submission_one_second_before_close_is_accepted(draft, officer):
    close = draft.call.applications_close_at
    application_transition(
        application=draft, user=officer, action="submit", now=close - timedelta(seconds=1)
    )
    assert draft.status == ApplicationStatus.SUBMITTED
    assert draft.versions.count() == 1


def test_submission_one_second_after_close_is_refused(draft, officer):
    close = draft.call.applications_close_at
    with pytest.raises(DomainError) as error:
        application_transition(
            application=draft, user=officer, action="submit", now=close + timedelta(seconds=1)
        )
    assert "不在申报时间内" in error.value.message
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT
    assert draft.versions.count() == 0


def test_incomplete_application_lists_what_is_missing(officer):
    application = factories.ApplicationFactory(member_unit=officer.member_unit, plan="")
    with pytest.raises(DomainError) as error:
        application_transition(application=application, user=officer, action="submit")
    message = error.value.message
    for missing in ("具体方案", "预期成果", "团队成员", "进度节点", "经费预算合计", "申报附件"):
        assert missing in message


def test_budget_must_equal_award_amount(draft, officer):
    draft.budget.first().delete()
    with pytest.raises(DomainError) as error:
        application_transition(application=draft, user=officer, action="submit")
    assert "¥3,000.00" in error.value.message


def test_returned_application_is_resubmitted_as_a_new_version(draft, officer, staff_user):
    application_transition(application=draft, user=officer, action="submit")
    application_transition(application=draft, user=staff_user, action="return", reason="预算不细")
    assert draft.status == ApplicationStatus.RETURNED
    application_update(
        application=draft,
        user=officer,
        changes={"plan": "修改后的方案"},
        expected_version=draft.version,
    )
    application_transition(application=draft, user=officer, action="submit")
    versions = list(draft.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].data["plan"] == "修改后的方案"
    assert versions[0].data["plan"] != versions[1].data["plan"]


def test_reason_is_required_to_return(draft, officer, staff_user):
    application_transition(application=draft, user=officer, action="submit")
    with pytest.raises(DomainError, match="须填写理由"):
        application_transition(application=draft, user=staff_user, action="return", reason=" ")


def test_applicant_is_notified_by_mail_and_in_platform(
    draft, officer, staff_user, django_capture_on_commit_callbacks
):
    officer.email = "officer@example.org"
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(application=draft, user=officer, action="submit")
        application_transition(application=draft, user=staff_user, action="return", reason="请补充")
    titles = list(Notification.objects.filter(user=officer).values_list("title", flat=True))
    assert any("退回修改" in title for title in titles)
    assert any("退回修改" in message.subject for message in mail.outbox)


def test_one_application_per_organisation(officer, draft):
    with pytest.raises(DomainError, match="最多申报1项"):
        application_create(
            call=draft.call,
            user=officer,
            title="第二个",
            area="academic",
            field=ExpertiseArea.objects.first(),
        )


def test_withdrawn_application_frees_the_quota(officer, draft):
    application_transition(application=draft, user=officer, action="withdraw")
    second = application_create(
        call=draft.call,
        user=officer,
        title="第二个",
        area="academic",
        field=ExpertiseArea.objects.first(),
    )
    assert second.member_unit == officer.member_unit


def test_branch_cannot_apply_when_call_excludes_branches(branch_officer):
    call = factories.CallFactory(branches_eligible=False)
    with pytest.raises(DomainError, match="不接受分支机构"):
        application_create(
            call=call,
            user=branch_officer,
            title="x",
            area="academic",
            field=ExpertiseArea.objects.first(),
        )


# --- concurrent edits ------------------------------------------------------


def test_stale_save_is_refused_and_first_text_kept(draft, officer):
    colleague = factories.UnitOfficerFactory(member_unit=officer.member_unit)
    read_version = draft.version
    first = Application.objects.get(pk=draft.pk)
    second = Application.objects.get(pk=draft.pk)
    application_update(
        application=first, user=officer, changes={"plan": "甲的方案"}, expected_version=read_version
    )
    with pytest.raises(StaleEditError):
        application_update(
            application=second,
            user=colleague,
            changes={"plan": "乙的方案"},
            expected_version=read_version,
        )
    draft.refresh_from_db()
    assert draft.plan == "甲的方案"


def test_officer_of_another_unit_cannot_edit(draft, other_unit_officer):
    with pytest.raises(DomainError):
        application_update(
            application=draft,
            user=other_unit_officer,
            changes={"plan": "x"},
            expected_version=draft.version,
        )


def test_children_are_replaced_and_audited(draft, officer):
    application_update(
        application=draft,
        user=officer,
        changes={},
        expected_version=draft.version,
        children={"budget": [{"item": "会议费", "amount": Decimal("3000"), "note": ""}]},
    )
    assert list(draft.budget.values_list("item", flat=True)) == ["会议费"]


# --- attachments -----------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_pdf_attachment_is_stored(draft, officer, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    attachment = attachment_add(
        application=draft, user=officer, file=SimpleUploadedFile("方案.pdf", PDF)
    )
    assert attachment.original_name == "方案.pdf"
    assert (tmp_path / attachment.file.name).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "文件内容与扩展名"),
        ("empty.pdf", b"", "0字节"),
        ("script.exe", b"MZ\x90\x00", "不支持的文件类型"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_stored(
    draft, officer, settings, tmp_path, name, content, message
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    before = Attachment.objects.count()
    with pytest.raises(DomainError) as error:
        attachment_add(application=draft, user=officer, file=SimpleUploadedFile(name, content))
    assert message in error.value.message
    assert Attachment.objects.count() == before
    assert not any(tmp_path.rglob("*.*"))


def test_name_with_a_path_is_refused(draft, officer, settings, tmp_path):
    # Django's multipart parser already strips directories from browser uploads; the
    # service refuses them too, for every other caller.
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    before = Attachment.objects.count()
    with pytest.raises(DomainError, match="不能包含路径"):
        attachment_add(
            application=draft, user=officer, file=File(io.BytesIO(PDF), name="../../etc/passwd.pdf")
        )
    assert Attachment.objects.count() == before
    assert not any(tmp_path.rglob("*.*"))


def test_oversized_upload_is_refused(draft, officer, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(DomainError, match="文件过大"):
        attachment_add(
            application=draft, user=officer, file=SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)
        )


# --- experts ---------------------------------------------------------------


@pytest.fixture
def under_review():
    call = factories.CallFactory(in_review=True)
    return factories.ApplicationFactory(call=call, status=ApplicationStatus.UNDER_REVIEW)


def test_expert_from_the_applicant_unit_is_never_assigned(under_review, staff_user):
    expert = factories.ExpertFactory(affiliation=under_review.member_unit)
    with pytest.raises(DomainError, match="专家所在单位即申报单位"):
        assignment_create(application=under_review, expert=expert, user=staff_user)


def test_expert_with_unit_on_avoid_list_is_never_assigned(under_review, staff_user):
    expert = factories.ExpertFactory()
    expert.avoid_units.add(under_review.member_unit)
    assert conflict_reason(expert, under_review) == "申报单位在专家的回避单位名单中"


def test_expert_holding_office_in_the_branch_is_never_assigned(staff_user):
    call = factories.CallFactory(in_review=True)
    branch = factories.BranchFactory()
    application = factories.ApplicationFactory(
        call=call, branch=branch, member_unit=None, status=ApplicationStatus.UNDER_REVIEW
    )
    expert = factories.ExpertFactory()
    expert.office_branches.add(branch)
    with pytest.raises(DomainError, match="任职"):
        assignment_create(application=application, expert=expert, user=staff_user)


def test_auto_assignment_balances_load_matches_field_and_avoids_conflicts(staff_user):
    call = factories.CallFactory(in_review=True, experts_per_application=2)
    field = ExpertiseArea.objects.get(code="bridge-tunnel")
    other = ExpertiseArea.objects.get(code="architecture")
    applications = factories.ApplicationFactory.create_batch(
        4, call=call, status=ApplicationStatus.UNDER_REVIEW, field=field
    )
    matching = [factories.ExpertFactory(expertise=[field]) for _ in range(4)]
    factories.ExpertFactory.create_batch(3, expertise=[other])
    conflicted = matching[0]
    conflicted.avoid_units.add(applications[0].member_unit)

    result = assignments_auto(call=call, user=staff_user)

    assert result["created"] == 8
    assert result["short"] == []
    for application in applications:
        experts = list(application.assignments.values_list("expert_id", flat=True))
        assert len(experts) == 2
        assert all(pk in {e.pk for e in matching} for pk in experts)
    assert not applications[0].assignments.filter(expert=conflicted).exists()
    loads = [ReviewAssignment.objects.filter(expert=e).count() for e in matching]
    assert max(loads) - min(loads) <= 1
    # Running it again assigns nothing more.
    assert assignments_auto(call=call, user=staff_user)["created"] == 0


@pytest.fixture
def assignment():
    user = factories.ExpertUserFactory()
    return factories.ReviewAssignmentFactory(expert=factories.ExpertFactory(user=user))


def scores_for(assignment, points):
    return {
        c.pk: Decimal(p)
        for c, p in zip(assignment.application.call.criteria.all(), points, strict=True)
    }


def test_expert_scores_draft_then_submit(assignment):
    user = assignment.expert.user
    review_save(
        assignment=assignment,
        user=user,
        scores=scores_for(assignment, [20, 20, 0, 0]) | {},
        comment="",
        submit=False,
    )
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.DRAFT
    review_save(
        assignment=assignment,
        user=user,
        scores=scores_for(assignment, [20, 21, 22, 23]),
        comment="方案扎实，措施可行，建议支持。",
        submit=True,
    )
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.SUBMITTED
    assert assignment.total == Decimal("86.00")
    with pytest.raises(DomainError, match="锁定"):
        review_save(
            assignment=assignment,
            user=user,
            scores=scores_for(assignment, [1, 1, 1, 1]),
            comment="改分数改分数改分数",
            submit=True,
        )


def test_score_above_maximum_is_refused(assignment):
    with pytest.raises(DomainError, match="0至25"):
        review_save(
            assignment=assignment,
            user=assignment.expert.user,
            scores=scores_for(assignment, [26, 20, 20, 20]),
            comment="意见意见意见意见意见",
            submit=True,
        )
    assert not Score.objects.exists()


def test_comment_is_required_on_submit(assignment):
    with pytest.raises(DomainError, match="评审意见"):
        review_save(
            assignment=assignment,
            user=assignment.expert.user,
            scores=scores_for(assignment, [20, 20, 20, 20]),
            comment="",
            submit=True,
        )


def test_review_after_deadline_is_refused(assignment):
    late = assignment.application.call.review_close_at + timedelta(seconds=1)
    with pytest.raises(DomainError, match="不在评审时间内"):
        review_save(
            assignment=assignment,
            user=assignment.expert.user,
            scores=scores_for(assignment, [20, 20, 20, 20]),
            comment="意见意见意见意见意见",
            submit=True,
            now=late,
        )


def test_another_expert_cannot_score(assignment):
    stranger = factories.ExpertUserFactory()
    factories.ExpertFactory(user=stranger)
    with pytest.raises(DomainError, match="不是您的评审任务"):
        review_save(assignment=assignment, user=stranger, scores={}, comment="", submit=False)


def test_conflict_releases_assignment_and_tells_staff(assignment, staff_user):
    review_declare_conflict(
        assignment=assignment, user=assignment.expert.user, reason="曾参与该项目咨询"
    )
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.CONFLICT
    assert Notification.objects.filter(user=staff_user, title__contains="回避").exists()
    assert conflict_reason(assignment.expert, assignment.application) == "专家已声明回避此申报"


def test_staff_reopen_needs_reason_and_unlocks(assignment, staff_user):
    review_save(
        assignment=assignment,
        user=assignment.expert.user,
        scores=scores_for(assignment, [20, 20, 20, 20]),
        comment="意见意见意见意见意见",
        submit=True,
    )
    assignment.refresh_from_db()
    with pytest.raises(DomainError):
        review_reopen(assignment=assignment, user=staff_user, reason="")
    review_reopen(assignment=assignment, user=staff_user, reason="分数录入有误")
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.DRAFT
    assert assignment.total is None


def test_call_copy_moves_windows_and_rubric(staff_user):
    call = factories.CallFactory(year=2023)
    copy = call_copy(call=call, user=staff_user, year=2024)
    assert copy.year == 2024
    assert copy.applications_close_at.year == call.applications_close_at.year + 1
    assert list(copy.criteria.values_list("name", flat=True)) == factories.RUBRIC
    # The new year's applicants tie their outputs to the new year's indicators.
    assert (
        Indicator.objects.filter(year=2024).count() == Indicator.objects.filter(year=2023).count()
    )
    call_copy(call=copy, user=staff_user, year=2025)
    assert (
        Indicator.objects.filter(year=2025).count() == Indicator.objects.filter(year=2023).count()
    )
