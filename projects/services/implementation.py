"""An awarded project at work: progress, mid-term inspection, final report, acceptance."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from society.audit import log_action
from society.errors import DomainError
from society.models import User
from society.rules import is_secretariat

from ..enums import AcceptanceResult, InspectionResult
from ..enums import ApplicationStatus as S
from ..models import Acceptance, Application, FinalReport, Inspection, Milestone, ProgressUpdate
from ..rules import is_applicant_officer
from .applications import IMPLEMENTING
from .lifecycle import application_transition


def progress_post(
    *,
    application: Application,
    user: User,
    text: str,
    reported_on: datetime.date,
    milestone: Milestone | None = None,
    milestone_done: bool = False,
) -> ProgressUpdate:
    """进展报告; the first one starts the implementation of an awarded project."""
    if not is_applicant_officer(user, application):
        raise DomainError(_("您无权为此项目报告进展。"), code="forbidden")
    if application.status not in (S.AWARDED, *IMPLEMENTING):
        raise DomainError(_("只有获奖后实施中的项目可以报告进展。"), code="state")
    text = (text or "").strip()
    if len(text) < 10:
        raise DomainError(_("请写明进展情况（不少于10个字）。"), code="text")
    if milestone is not None and milestone.application_id != application.pk:
        raise DomainError(_("所选进度节点不属于本项目。"), code="milestone")
    if reported_on > timezone.localdate():
        raise DomainError(_("报告日期不能晚于今天。"), code="date")
    with transaction.atomic():
        if application.status == S.AWARDED:
            application_transition(application=application, user=user, action="start")
        update = ProgressUpdate.objects.create(
            application=application,
            milestone=milestone,
            reported_on=reported_on,
            text=text,
            milestone_done=milestone_done and milestone is not None,
            author=user,
        )
        log_action(
            "projects.progress.posted",
            user=user,
            obj=application,
            data={
                "progress": update.pk,
                "milestone": str(milestone or ""),
                "done": update.milestone_done,
            },
        )
    return update


def inspection_record(
    *,
    application: Application,
    user: User,
    inspected_on: datetime.date,
    inspectors: str,
    findings: str,
    result: str,
    fix_deadline: datetime.date | None = None,
) -> Inspection:
    """中期检查: 通过 keeps (or puts back) the project in progress; 整改 sets a deadline."""
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以录入中期检查。"), code="forbidden")
    if application.status not in IMPLEMENTING:
        raise DomainError(_("只有实施中的项目可以进行中期检查。"), code="state")
    with transaction.atomic():
        inspection = Inspection(
            application=application,
            inspected_on=inspected_on,
            inspectors=inspectors,
            findings=findings,
            result=result,
            fix_deadline=fix_deadline if result == InspectionResult.RECTIFY else None,
            recorded_by=user,
        )
        inspection.full_clean()
        inspection.save()
        if result == InspectionResult.RECTIFY and application.status == S.IN_PROGRESS:
            application_transition(
                application=application, user=user, action="rectify", reason=findings
            )
        elif result == InspectionResult.PASSED and application.status == S.INSPECTION:
            application_transition(application=application, user=user, action="rectified")
        log_action(
            "projects.inspection.recorded",
            user=user,
            obj=application,
            data={"result": result, "fix_deadline": inspection.fix_deadline},
        )
    return inspection


def final_report_save(*, application: Application, user: User, summary: str) -> FinalReport:
    """工作总结 as a draft; submitting it is the `submit_final` transition."""
    if not is_applicant_officer(user, application):
        raise DomainError(_("您无权编写此项目的工作总结。"), code="forbidden")
    if application.status not in IMPLEMENTING:
        raise DomainError(_("只有实施中的项目可以编写工作总结。"), code="state")
    with transaction.atomic():
        report, _created = FinalReport.objects.update_or_create(
            application=application, defaults={"summary": (summary or "").strip()}
        )
        log_action(
            "projects.final_report.saved",
            user=user,
            obj=application,
            data={"length": len(report.summary)},
        )
    return report


def final_report_submit(*, application: Application, user: User) -> Application:
    with transaction.atomic():
        application_transition(application=application, user=user, action="submit_final")
        FinalReport.objects.filter(application=application).update(
            submitted_at=timezone.now(), submitted_by=user
        )
    return application


def acceptance_record(
    *,
    application: Application,
    user: User,
    score: Decimal,
    opinion: str,
    reviewers: str,
    accepted_on: datetime.date,
) -> Acceptance:
    """验收: the result follows from the score and the call's pass mark."""
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以录入验收结果。"), code="forbidden")
    if application.status != S.FINAL_SUBMITTED:
        raise DomainError(_("只有已提交结题报告的项目可以验收。"), code="state")
    opinion = (opinion or "").strip()
    if not opinion:
        raise DomainError(_("请填写验收意见。"), code="opinion")
    if score is None or not (Decimal("0") <= score <= Decimal("100")):
        raise DomainError(_("验收得分须在0至100之间。"), code="score")
    passed = score >= application.call.acceptance_pass_mark
    with transaction.atomic():
        acceptance, _created = Acceptance.objects.update_or_create(
            application=application,
            defaults={
                "score": score,
                "opinion": opinion,
                "reviewers": reviewers,
                "accepted_on": accepted_on,
                "recorded_by": user,
                "result": AcceptanceResult.PASSED if passed else AcceptanceResult.FAILED,
            },
        )
        application_transition(
            application=application,
            user=user,
            action="accept" if passed else "fail",
            reason=opinion,
        )
    return acceptance
