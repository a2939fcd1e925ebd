"""demo_data's calls, applications, assignments and scores."""

import hashlib
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from awards.models import AwardPool
from kpis.models import Indicator
from projects.enums import ApplicationStatus as S
from projects.enums import AttachmentKind, ReviewStatus
from projects.models import Application, ApplicationVersion, Call, ReviewAssignment
from projects.selectors import call_ranking
from projects.services import application_snapshot, completeness_problems, conflict_reason
from society.audit import entries_for
from society.models import Notification, User
from society.uploads import check_upload

SCALE = "0.2"  # 12 applications in 2023, 4 under review now, 3 in the open call
AWARDED = (S.IN_PROGRESS, S.INSPECTION, S.FINAL_SUBMITTED, S.ACCEPTED, S.FAILED, S.ARCHIVED)


def run_demo_data(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return run_demo_data()


def calls() -> tuple[Call, Call, Call]:
    finished, in_review, open_call = Call.objects.order_by("year", "pk")
    return finished, in_review, open_call


def fingerprint() -> list[tuple]:
    """Titles, states and scores; the windows of the two current calls move with the clock."""
    rows = []
    for application in Application.objects.select_related("call").order_by("call__year", "pk"):
        totals = sorted(
            ReviewAssignment.objects.filter(application=application).values_list(
                "expert__name", "status", "total"
            )
        )
        rows.append((application.call.title, application.title, application.status, totals))
    return rows


def test_the_three_calls(demo):
    finished, in_review, open_call = calls()
    now = timezone.now()
    assert finished.title == "2023年度创建一流科技社团培育奖励申报"
    assert finished.notice.startswith("各地方学会、分支机构、会员单位")
    assert "奖励数量:30个" in finished.notice
    local = timezone.localtime
    assert local(finished.applications_open_at).isoformat() == "2023-07-01T09:00:00+08:00"
    assert local(finished.applications_close_at).date().isoformat() == "2023-08-15"
    assert local(finished.formal_check_close_at).date().isoformat() == "2023-08-25"
    assert local(finished.review_open_at).date().isoformat() == "2023-08-26"
    assert local(finished.review_close_at).date().isoformat() == "2023-09-10"
    assert finished.implementation_end.isoformat() == "2023-12-31"
    assert (finished.award_count, finished.award_amount, finished.fund_total) == (
        30,
        Decimal("3000.00"),
        Decimal("100000.00"),
    )
    assert 3 <= finished.experts_per_application <= 5
    for call in calls():
        call.full_clean()
        assert [(c.name, c.max_points, c.weight) for c in call.criteria.all()] == [
            (name, Decimal("25.00"), Decimal("1.00"))
            for name in ("实施能力强", "工作好", "措施实", "潜力大")
        ]
    assert in_review.applications_close_at < now and in_review.review_is_open(now)
    assert in_review.title == f"{timezone.localdate().year}年度创建一流科技社团培育奖励申报"
    assert open_call.is_open(now)
    assert open_call.year == in_review.year + 1


def test_counts_per_state(demo):
    finished, in_review, open_call = calls()

    def states(call):
        return Counter(call.applications.values_list("status", flat=True))

    # All nine reviewed applications fit in the 30 awards; tests/awards/test_demo.py has more.
    finished_states = states(finished)
    assert sum(finished_states[state] for state in AWARDED) == 9
    assert {s: n for s, n in finished_states.items() if s not in AWARDED} == {
        S.UNDER_REVIEW: 1,
        S.NOT_ACCEPTED: 1,
        S.WITHDRAWN: 1,
    }
    assert states(in_review) == {S.UNDER_REVIEW: 4}
    assert states(open_call) == {S.DRAFT: 2, S.SUBMITTED: 1}
    assert "2023年度创建一流科技社团培育奖励申报》：申报 12 项" in demo


def test_one_application_per_organisation_per_call(demo):
    for call in calls():
        applicants = list(call.applications.values_list("branch_id", "member_unit_id"))
        assert len(applicants) == len(set(applicants))


def test_demo_officers_have_what_the_walkthrough_needs(demo):
    finished, _in_review, open_call = calls()
    fenhui = User.objects.get(username="fenhui")
    danwei = User.objects.get(username="danwei")
    # fenhui's project is awarded and left 实施中 for the implementation walkthrough.
    assert finished.applications.get(branch=fenhui.branch).status == S.IN_PROGRESS
    mine = finished.applications.get(member_unit=danwei.member_unit)
    assert mine.status in (*AWARDED, S.NOT_AWARDED)
    assert mine.versions.count() == 2  # returned once: two versions to compare
    draft = open_call.applications.get(member_unit=danwei.member_unit)
    assert draft.status == S.DRAFT
    # Complete but for the signed form, so submitting it shows what is missing.
    assert completeness_problems(draft) == ["请上传至少一个申报附件（如加盖公章的申报书）"]
    assert not open_call.applications.filter(branch=fenhui.branch).exists()
    assert Notification.objects.filter(user=danwei, title__contains="退回修改").exists()


def test_every_budget_sums_to_the_award(demo):
    for application in Application.objects.select_related("call").annotate(
        budget_total=Sum("budget__amount")
    ):
        assert application.budget_total == application.call.award_amount == Decimal("3000.00")


def test_applications_are_complete_and_valid(demo):
    applications = Application.objects.select_related("call", "field")
    for application in applications:
        application.full_clean()
        call = application.call
        outputs = list(application.outputs.select_related("indicator"))
        assert outputs and application.team.exists() and application.milestones.exists()
        assert {o.indicator.year for o in outputs} == {call.year}
        for output in outputs:
            output.full_clean()
        for child in [*application.budget.all(), *application.team.all()]:
            child.full_clean()
        for milestone in application.milestones.all():
            milestone.full_clean()
            assert milestone.due_on <= call.implementation_end
        assert len(set(application.milestones.values_list("due_on", flat=True))) >= 3
    assert (
        Indicator.objects.filter(year=calls()[1].year).count()
        == Indicator.objects.filter(year=2023).count()
    )
    team = [t for a in applications for t in a.team.select_related("member")]
    linked = [t for t in team if t.member_id]
    assert linked and len(linked) < len(team)
    for member in linked:  # members of the applicant unit or of the applicant branch
        application = member.application
        if application.member_unit_id:
            assert member.member.employer_id == application.member_unit_id
        else:
            assert member.member.branches.filter(pk=application.branch_id).exists()


def test_no_assignment_violates_the_conflict_rules(demo):
    assignments = ReviewAssignment.objects.select_related(
        "expert__member", "application__branch", "application__member_unit"
    )
    assert assignments.exists()
    for assignment in assignments:
        reason = conflict_reason(assignment.expert, assignment.application)
        if assignment.status == ReviewStatus.CONFLICT:  # declared by the expert, nothing else
            assert reason == "专家已声明回避此申报"
            assert assignment.conflict_reason
        else:
            assert reason is None
            assert assignment.expert.active


def test_submitted_reviews_score_every_criterion_within_bounds(demo):
    submitted = ReviewAssignment.objects.filter(status=ReviewStatus.SUBMITTED).select_related(
        "application__call"
    )
    assert submitted.count() > 30
    for assignment in submitted:
        criteria = list(assignment.application.call.criteria.all())
        scores = {s.criterion_id: s.points for s in assignment.scores.all()}
        assert set(scores) == {c.pk for c in criteria}
        for criterion in criteria:
            assert Decimal("0") <= scores[criterion.pk] <= criterion.max_points
        weighted = sum(scores[c.pk] * c.weight for c in criteria).quantize(Decimal("0.01"))
        assert assignment.total == weighted
        assert len(assignment.comment) >= 10
        assert assignment.submitted_at <= assignment.application.call.review_close_at
    unscored = ReviewAssignment.objects.exclude(status=ReviewStatus.SUBMITTED)
    assert not unscored.exclude(total=None).exists()


def test_totals_vary_and_some_experts_disagree(demo):
    finished = calls()[0]
    rows, experts = call_ranking(finished)
    totals = [t for row in rows for t in row.scores.values()]
    assert max(totals) - min(totals) > 20
    assert any(row.disagreement for row in rows)
    assert len(experts) > 5


def test_ranking_of_2023_has_ranks_and_a_tie(demo):
    rows, _experts = call_ranking(calls()[0])
    assert len(rows) == 10  # reviewed and under review; not the withdrawn or not accepted
    assert all(row.rank for row in rows)
    assert rows[0].rank == 1
    tied = [row for row in rows if row.tied]
    assert len(tied) >= 2
    assert len({row.stats.trimmed_mean for row in tied}) < len(tied)
    waiting = [row for row in rows if row.application.status == S.UNDER_REVIEW]
    assert [row.pending for row in waiting] == [1]


def test_expert_load_is_balanced(demo):
    for call in calls()[:2]:
        load = Counter(
            ReviewAssignment.objects.filter(application__call=call)
            .exclude(status=ReviewStatus.CONFLICT)
            .values_list("expert_id", flat=True)
        )
        assert max(load.values()) - min(load.values()) <= 2


def test_zhuanjia_has_three_open_assignments_in_the_current_call(demo):
    in_review = calls()[1]
    mine = ReviewAssignment.objects.filter(
        expert__user__username="zhuanjia", application__call=in_review
    )
    assert mine.count() == 3
    assert set(mine.values_list("status", flat=True)) == {ReviewStatus.ASSIGNED}
    others = ReviewAssignment.objects.filter(application__call=in_review).exclude(
        expert__user__username="zhuanjia"
    )
    assert others.filter(status=ReviewStatus.SUBMITTED).exists()
    assert Notification.objects.filter(
        user__username="zhuanjia", read_at=None, title="您有3项新的评审任务"
    ).exists()


def test_submitted_applications_have_versions_like_the_service_makes(demo):
    submitted = Application.objects.exclude(status=S.DRAFT)
    assert not submitted.filter(versions=None).exists()
    assert not Application.objects.filter(status=S.DRAFT).exclude(versions=None).exists()
    for application in submitted:
        latest = application.versions.order_by("number").last()
        assert latest.data == application_snapshot(application)
        assert latest.submitted_at == application.submitted_at
    assert ApplicationVersion.objects.filter(number=2).exists()


def test_attachments_are_pdfs_the_upload_check_accepts(demo):
    application = Application.objects.filter(status=S.ACCEPTED).first()
    kinds = set()
    for attachment in application.attachments.all():  # the signed form and the evidence
        kinds.add(attachment.kind)
        with attachment.file.open("rb") as stored:
            content = stored.read()
        assert hashlib.sha256(content).hexdigest() == attachment.sha256
        info = check_upload(SimpleUploadedFile(attachment.original_name, content))
        assert (info["ext"], info["size"]) == ("pdf", attachment.size)
        assert application.title[:20].encode("utf-16-be").hex().upper().encode() in content
    assert kinds == {AttachmentKind.APPLICATION, AttachmentKind.EVIDENCE}


def test_history_is_in_the_audit_log_with_reasons(demo):
    finished = calls()[0]
    rejected = finished.applications.get(status=S.NOT_ACCEPTED)
    entries = list(entries_for(rejected).order_by("created_at"))
    assert [e.action.rsplit(".", 1)[-1] for e in entries] == ["created", "submit", "reject"]
    assert entries[-1].data["reason"]
    assert entries[-1].actor.username == "mishuchu"
    assert finished.applications_close_at <= entries[-1].created_at
    assert entries[-1].created_at <= finished.formal_check_close_at
    archived = finished.applications.filter(status=S.ARCHIVED).first()
    steps = [
        e.action.rsplit(".", 1)[-1]
        for e in entries_for(archived).order_by("created_at", "pk")
        if e.action.startswith("projects.application.")
    ]
    assert steps[-8:] == [
        "pass_check",
        "complete_review",
        "publicize",
        "award",
        "start",
        "submit_final",
        "accept",
        "archive",
    ]


def test_same_data_on_every_run_and_reset_clears_projects(demo):
    before = fingerprint()
    output = run_demo_data("--reset")  # award records protect the call: they go first
    assert "已清空" in output
    assert fingerprint() == before
    assert Call.objects.count() == 3
    assert AwardPool.objects.get().call == calls()[0]  # the 2023 pool, built again
