"""demo_data's 2023 awards: pool, 公示, objections, payments, implementation, acceptance."""

import datetime
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from awards.calendar import working_period
from awards.enums import HOLDING_STATES, AwardStatus, NoticeStatus, ObjectionStatus
from awards.models import Award, AwardPool, Objection, Payment, PublicNotice
from projects.enums import AcceptanceResult, AttachmentKind, InspectionResult
from projects.enums import ApplicationStatus as S
from projects.models import Acceptance, Call, FinalReport, Inspection, ProgressUpdate
from projects.selectors import call_ranking
from projects.services import (
    attachment_add,
    final_report_save,
    final_report_submit,
    progress_post,
)
from projects.services.lifecycle import GUARDS, TRANSITIONS
from society.audit import entries_for
from society.models import User
from society.uploads import check_upload

# 42 applications in 2023: more reviewed ones than the pool's 30 awards, so some miss out.
SCALE = "0.7"
AWARDED_STATES = {
    S.AWARDED,
    S.IN_PROGRESS,
    S.INSPECTION,
    S.FINAL_SUBMITTED,
    S.ACCEPTED,
    S.FAILED,
    S.ARCHIVED,
}
REPORTED_STATES = {S.FINAL_SUBMITTED, S.ACCEPTED, S.FAILED, S.ARCHIVED}


def run_demo_data(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return run_demo_data()


def call_2023() -> Call:
    return Call.objects.get(year=2023)


def awards() -> list[Award]:
    return list(
        Award.objects.filter(pool__call__year=2023)
        .select_related("application__call")
        .order_by("rank", "pk")
    )


def read(field_file) -> bytes:
    with field_file.open("rb") as stored:
        return stored.read()


def test_the_pool_holds_exactly_its_awards(demo):
    call = call_2023()
    pool = AwardPool.objects.get(call=call)
    assert (pool.award_count, pool.award_amount, pool.fund_total) == (
        30,
        Decimal("3000.00"),
        Decimal("100000.00"),
    )
    held = Award.objects.filter(pool=pool, status__in=HOLDING_STATES)
    assert pool.committed_count == held.count() == 30
    assert pool.committed_amount == held.aggregate(total=Sum("amount"))["total"]
    assert pool.committed_amount == Decimal("90000.00")
    assert pool.money_left == Decimal("10000.00")
    assert pool.committed_count <= pool.award_count
    assert pool.committed_amount <= pool.fund_total
    assert set(held.values_list("status", flat=True)) == {AwardStatus.CONFIRMED}
    applications = list(held.values_list("application_id", flat=True))
    assert len(applications) == len(set(applications))  # one award per application
    numbers = [award.certificate_number for award in awards()]
    assert numbers == [f"SCTJ-JL-2023-{n:03d}" for n in range(1, 31)]  # in rank order
    for award in awards():
        award.full_clean()
        assert award.amount == pool.award_amount
    assert "奖励 30 项 ¥90,000.00（结余 ¥10,000.00）" in demo


def test_the_awards_follow_the_ranking(demo):
    """The top of the reviewed applications by rank, then reference; nobody skipped."""
    rows, _experts = call_ranking(call_2023())
    by_application = {award.application_id: award for award in awards()}
    decided = [row for row in rows if row.application.status != S.UNDER_REVIEW]
    order = [row.application.pk in by_application for row in decided]
    assert order == sorted(order, reverse=True)  # every award ranks above every miss
    assert order.count(False) > 0
    for row in decided:
        award = by_application.get(row.application.pk)
        if award:
            assert (award.rank, award.score) == (row.rank, row.stats.trimmed_mean)
            assert row.application.status in AWARDED_STATES
        else:
            assert row.application.status == S.NOT_AWARDED
    last_in, first_out = decided[order.count(True) - 1], decided[order.count(True)]
    tie_at_cut = last_in.rank == first_out.rank
    assert ("并列" in by_application[last_in.application.pk].note) == tie_at_cut
    states = Counter(call_2023().applications.values_list("status", flat=True))
    assert not states[S.REVIEWED] and not states[S.PUBLICIZED]


def test_the_notice_ran_five_working_days_with_two_decided_objections(demo):
    notice = PublicNotice.objects.get(call=call_2023())
    assert notice.status == NoticeStatus.CONFIRMED
    assert (notice.starts_on, notice.ends_on) == working_period(datetime.date(2023, 9, 18), 5)
    assert notice.ends_on == datetime.date(2023, 9, 22)
    assert timezone.localdate(notice.published_at) == notice.starts_on
    assert timezone.localdate(notice.confirmed_at) > notice.ends_on
    objections = list(Objection.objects.filter(notice=notice).select_related("award"))
    assert sorted(o.status for o in objections) == [
        ObjectionStatus.DISMISSED,
        ObjectionStatus.UPHELD,
    ]
    for objection in objections:
        objection.full_clean()
        filed, decided = map(timezone.localdate, (objection.created_at, objection.decided_at))
        assert notice.starts_on <= filed < decided <= notice.ends_on
        assert len(objection.content) >= 10 and objection.decision
        assert objection.decided_by.username == "mishuchu"
        assert objection.award.status == AwardStatus.CONFIRMED  # no objection took one away
        content = read(objection.evidence)
        assert check_upload(SimpleUploadedFile(objection.evidence_name, content))["ext"] == "pdf"
    actions = [e.action for e in entries_for(notice).order_by("created_at", "pk")]
    assert actions[0] == "awards.notice.published"
    assert actions[-1] == "awards.notice.confirmed"
    assert Counter(actions)["awards.objection.resolved"] == 2


def test_payments_add_up_and_never_exceed_the_award(demo):
    payments = list(Payment.objects.filter(award__pool__call__year=2023).order_by("pk"))
    for award in awards():
        paid = sum((p.amount for p in payments if p.award_id == award.pk), Decimal("0.00"))
        assert award.paid_amount == paid <= award.amount
    vouchers = sorted(p.voucher_number for p in payments)
    assert vouchers == [f"PZ-2023-{n:04d}" for n in range(1, len(payments) + 1)]
    for payment in payments:
        payment.full_clean()
        assert datetime.date(2023, 10, 1) <= payment.paid_on <= datetime.date(2023, 11, 30)
    paid = Counter(
        "full" if a.is_paid else "none" if not a.paid_amount else "part" for a in awards()
    )
    assert paid["none"] == 1
    assert 2 <= paid["part"] <= 5
    assert paid["full"] == 30 - paid["none"] - paid["part"] >= 24
    proofs = [p for p in payments if p.proof]
    assert 2 <= len(proofs) < len(payments)
    assert b"%PDF" in read(proofs[0].proof)[:8]


def test_records_match_the_status_of_every_awarded_project(demo):
    call = call_2023()
    pass_mark = call.acceptance_pass_mark
    states = Counter(award.application.status for award in awards())
    assert states[S.IN_PROGRESS] >= 1 and states[S.INSPECTION] >= 1
    assert states[S.ACCEPTED] + states[S.ARCHIVED] >= 20
    assert states[S.FAILED] == 2 and states[S.FINAL_SUBMITTED] == 2 and states[S.ARCHIVED] >= 1
    for award in awards():
        application = award.application
        status = application.status
        assert status in AWARDED_STATES - {S.AWARDED}  # every awardee has started
        updates = list(ProgressUpdate.objects.filter(application=application))
        assert updates and all(
            u.milestone is None or u.milestone.application_id == application.pk for u in updates
        )
        assert min(u.reported_on for u in updates) >= timezone.localdate(award.confirmed_at)
        inspections = list(Inspection.objects.filter(application=application))
        first = min(inspections, key=lambda i: (i.inspected_on, i.pk))
        assert (first.inspected_on.year, first.inspected_on.month) == (2023, 10)
        latest = max(inspections, key=lambda i: (i.inspected_on, i.pk))
        for record in inspections:
            record.full_clean()
        if status == S.INSPECTION:
            assert latest.result == InspectionResult.RECTIFY and latest.fix_deadline
        else:
            assert latest.result == InspectionResult.PASSED
        report = FinalReport.objects.filter(application=application).first()
        acceptance = Acceptance.objects.filter(application=application).first()
        if status in REPORTED_STATES:
            assert report.submitted_at and len(report.summary) > 50
            GUARDS["submit_final"](application=application, now=timezone.now())  # evidence
            evidence = application.attachments.filter(kind=AttachmentKind.EVIDENCE)
            assert set(evidence.values_list("output_id", flat=True)) == set(
                application.outputs.values_list("pk", flat=True)
            )
        else:
            assert report is None and acceptance is None
        if status in (S.ACCEPTED, S.ARCHIVED):
            assert acceptance.result == AcceptanceResult.PASSED
            assert pass_mark <= acceptance.score <= Decimal("95")
        elif status == S.FAILED:
            assert acceptance.result == AcceptanceResult.FAILED
            assert acceptance.score < pass_mark
        elif status == S.FINAL_SUBMITTED:
            assert acceptance is None
        if acceptance:
            acceptance.full_clean()
            assert (acceptance.accepted_on.year, acceptance.accepted_on.month) == (2024, 1)
            assert acceptance.accepted_on > timezone.localdate(report.submitted_at)


def test_every_status_change_is_in_the_audit_log_on_its_date(demo):
    call = call_2023()
    for application in call.applications.all():
        entries = [
            e
            for e in entries_for(application).order_by("created_at", "pk")
            if e.action.startswith("projects.application.")
            and e.action != "projects.application.created"
        ]
        state = S.DRAFT
        for entry in entries:
            transition = TRANSITIONS[entry.action.rsplit(".", 1)[-1]]
            assert state in transition.sources and entry.data["from"] == state
            assert entry.data["to"] == transition.target
            if transition.needs_reason:
                assert entry.data["reason"]
            state = transition.target
        assert state == application.status
        assert application.version == 1 + len(entries)
        if entries:
            assert application.updated_at == entries[-1].created_at
    award = next(a for a in awards() if a.application.status == S.ARCHIVED)
    actions = [e.action for e in entries_for(award).order_by("created_at", "pk")]
    assert actions[:2] == ["awards.award.proposed", "awards.award.confirmed"]
    assert Counter(actions)["awards.payment.recorded"] == award.payments.count()
    archived = entries_for(award.application).filter(action="projects.application.archive").get()
    assert timezone.localdate(archived.created_at).isoformat().startswith("2024-03")
    assert archived.actor.username == "mishuchu"


def test_the_demo_officer_can_carry_on_with_the_implementation(demo, client):
    """fenhui's branch project is 实施中 without a final report: report, write, submit."""
    fenhui = User.objects.get(username="fenhui")
    application = call_2023().applications.get(branch=fenhui.branch)
    assert application.status == S.IN_PROGRESS
    assert not FinalReport.objects.filter(application=application).exists()
    award = application.awards.get()
    assert award.is_paid
    client.force_login(fenhui)
    for name in ("projects:implementation", "projects:final-report"):
        assert client.get(reverse(name, args=[application.pk])).status_code == 200
    assert client.get(reverse("awards:award-letter", args=[award.pk])).status_code == 200

    open_milestone = application.milestones.exclude(progress_updates__milestone_done=True).first()
    progress_post(
        application=application,
        user=fenhui,
        text="接受学会中期检查，报送中期进展情况和佐证材料。",
        reported_on=timezone.localdate(),
        milestone=open_milestone,
        milestone_done=True,
    )
    final_report_save(application=application, user=fenhui, summary="项目任务全部完成。")
    for output in application.outputs.all():
        attachment_add(
            application=application,
            user=fenhui,
            file=SimpleUploadedFile("佐证.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"),
            kind=AttachmentKind.EVIDENCE,
            output=output,
        )
    final_report_submit(application=application, user=fenhui)
    assert application.status == S.FINAL_SUBMITTED


def fingerprint() -> list:
    rows = [
        (
            a.certificate_number,
            a.application.title,
            a.application.status,
            a.paid_amount,
            a.rank,
            a.score,
        )
        for a in awards()
    ]
    rows += list(
        Payment.objects.order_by("voucher_number").values_list(
            "voucher_number", "paid_on", "amount", "award__application__title"
        )
    )
    rows += list(Objection.objects.order_by("name").values_list("name", "phone", "status"))
    rows += list(
        Inspection.objects.order_by("application__title", "inspected_on").values_list(
            "application__title", "inspected_on", "result", "inspectors"
        )
    )
    rows += list(
        Acceptance.objects.order_by("application__title").values_list(
            "application__title", "score", "accepted_on", "reviewers"
        )
    )
    rows += list(
        ProgressUpdate.objects.order_by("application__title", "reported_on", "text").values_list(
            "application__title", "reported_on", "text"
        )
    )
    return rows


def test_the_same_awards_on_every_run_and_reset_rebuilds_them(demo):
    before = fingerprint()
    counts = (Award.objects.count(), Payment.objects.count(), Objection.objects.count())
    output = run_demo_data("--reset")
    assert "已清空" in output
    assert fingerprint() == before
    assert (Award.objects.count(), Payment.objects.count(), Objection.objects.count()) == counts
    assert AwardPool.objects.count() == PublicNotice.objects.count() == 1
    assert re.search(r"奖励 30 项 ¥90,000\.00.*公示异议 2 条", output)
