"""The application life cycle: one table of transitions, one function that applies them."""

from dataclasses import dataclass
from typing import Any

import rules
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from society.audit import log_action
from society.errors import DomainError
from society.models import User
from society.notifications import notify
from society.rules import is_secretariat

from ..enums import AcceptanceResult, AttachmentKind, InspectionResult, ReviewStatus
from ..enums import ApplicationStatus as S
from ..models import (
    Application,
)
from ..rules import is_applicant_officer
from .applications import _check_organisation_quota, _save_version, completeness_problems
from .common import applicant_officers, beijing_time

# ---------------------------------------------------------------------------
# The life cycle: one table, one function.


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any
    sources: tuple[str, ...]
    target: str
    actor: rules.Predicate
    needs_reason: bool = False
    # False for steps that only another service takes, together with its own records
    # (a confirmed award, an inspection, an acceptance): no bare button offers them.
    manual: bool = True


ACTIVE_STATES = tuple(
    state
    for state in S.values
    if state not in (S.NOT_ACCEPTED, S.WITHDRAWN, S.TERMINATED, S.ARCHIVED, S.NOT_AWARDED)
)

TRANSITIONS = {
    t.action: t
    for t in [
        Transition(
            "submit", gettext_lazy("提交"), (S.DRAFT, S.RETURNED), S.SUBMITTED, is_applicant_officer
        ),
        Transition(
            "withdraw",
            gettext_lazy("撤回"),
            (S.DRAFT, S.SUBMITTED, S.RETURNED),
            S.WITHDRAWN,
            is_applicant_officer,
        ),
        Transition(
            "pass_check",
            gettext_lazy("形式审查通过"),
            (S.SUBMITTED,),
            S.UNDER_REVIEW,
            is_secretariat,
        ),
        Transition(
            "return",
            gettext_lazy("退回修改"),
            (S.SUBMITTED,),
            S.RETURNED,
            is_secretariat,
            needs_reason=True,
        ),
        Transition(
            "reject",
            gettext_lazy("不予受理"),
            (S.SUBMITTED,),
            S.NOT_ACCEPTED,
            is_secretariat,
            needs_reason=True,
        ),
        Transition(
            "complete_review",
            gettext_lazy("完成评审"),
            (S.UNDER_REVIEW,),
            S.REVIEWED,
            is_secretariat,
        ),
        Transition(
            "publicize",
            gettext_lazy("公示"),
            (S.REVIEWED,),
            S.PUBLICIZED,
            is_secretariat,
            manual=False,
        ),
        Transition(
            "award",
            gettext_lazy("确认获奖"),
            (S.PUBLICIZED,),
            S.AWARDED,
            is_secretariat,
            manual=False,
        ),
        Transition(
            "not_award",
            gettext_lazy("确认未获奖"),
            (S.REVIEWED, S.PUBLICIZED),
            S.NOT_AWARDED,
            is_secretariat,
            manual=False,
        ),
        Transition(
            "start",
            gettext_lazy("开始实施"),
            (S.AWARDED,),
            S.IN_PROGRESS,
            is_applicant_officer | is_secretariat,
        ),
        Transition(
            "rectify",
            gettext_lazy("中期检查：整改"),
            (S.IN_PROGRESS,),
            S.INSPECTION,
            is_secretariat,
            needs_reason=True,
            manual=False,
        ),
        Transition(
            "rectified",
            gettext_lazy("中期检查：通过"),
            (S.INSPECTION,),
            S.IN_PROGRESS,
            is_secretariat,
            manual=False,
        ),
        Transition(
            "submit_final",
            gettext_lazy("提交结题报告"),
            (S.IN_PROGRESS,),
            S.FINAL_SUBMITTED,
            is_applicant_officer,
        ),
        Transition(
            "return_final",
            gettext_lazy("退回结题报告"),
            (S.FINAL_SUBMITTED,),
            S.IN_PROGRESS,
            is_secretariat,
            needs_reason=True,
        ),
        Transition(
            "accept",
            gettext_lazy("验收通过"),
            (S.FINAL_SUBMITTED,),
            S.ACCEPTED,
            is_secretariat,
            manual=False,
        ),
        Transition(
            "fail",
            gettext_lazy("验收不通过"),
            (S.FINAL_SUBMITTED,),
            S.FAILED,
            is_secretariat,
            needs_reason=True,
            manual=False,
        ),
        Transition(
            "archive",
            gettext_lazy("归档"),
            (S.ACCEPTED, S.FAILED),
            S.ARCHIVED,
            is_secretariat,
        ),
        Transition(
            "terminate",
            gettext_lazy("终止"),
            ACTIVE_STATES,
            S.TERMINATED,
            is_secretariat,
            needs_reason=True,
        ),
    ]
}


def application_transition(
    *, application: Application, user: User, action: str, reason: str = "", now=None
) -> Application:
    """Move an application along its life cycle, or refuse with the reason why."""
    transition = TRANSITIONS[action]
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        current = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call", "branch", "member_unit")
            .get(pk=application.pk)
        )
        if not transition.actor.test(user, current):
            raise DomainError(
                _("您无权对此申报执行“%(action)s”。") % {"action": transition.label},
                code="forbidden",
            )
        if current.status not in transition.sources:
            raise DomainError(
                _("申报当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": current.get_status_display(), "action": transition.label},
                code="state",
            )
        if transition.needs_reason and not reason:
            raise DomainError(
                _("“%(action)s”须填写理由。") % {"action": transition.label}, code="reason"
            )
        GUARDS.get(action, lambda **kwargs: None)(application=current, now=now)

        previous = current.status
        current.status = transition.target
        current.version += 1
        fields = ["status", "version", "updated_at"]
        if action == "submit":
            current.submitted_at = now
            fields.append("submitted_at")
        current.save(update_fields=fields)
        if action == "submit":
            _save_version(current, user=user, now=now)
        log_action(
            f"projects.application.{action}",
            user=user,
            obj=current,
            data={"from": previous, "to": current.status, "reason": reason},
        )
        notify(
            users=applicant_officers(current),
            title=_("申报“%(title)s”：%(status)s")
            % {"title": current.title, "status": current.get_status_display()},
            body=reason,
            url=reverse("projects:application-detail", args=[current.pk]),
        )
    application.refresh_from_db()
    return application


def _guard_submit(*, application: Application, now) -> None:
    call = application.call
    if application.status == S.DRAFT and not call.is_open(now):
        raise DomainError(
            _("不在申报时间内：本批次申报时间为 %(start)s 至 %(end)s（北京时间），已不能提交。")
            % {
                "start": beijing_time(call.applications_open_at),
                "end": beijing_time(call.applications_close_at),
            },
            code="deadline",
        )
    if application.status == S.RETURNED and now > call.formal_check_close_at:
        raise DomainError(
            _("退回修改的申报须在 %(end)s（北京时间）前重新提交，已超过期限。")
            % {"end": beijing_time(call.formal_check_close_at)},
            code="deadline",
        )
    problems = completeness_problems(application)
    if problems:
        raise DomainError(
            _("申报内容不完整，暂不能提交：") + "；".join(problems) + "。", code="incomplete"
        )
    _check_organisation_quota(application.call, application, exclude_self=True)


def _guard_complete_review(*, application: Application, now) -> None:
    counts = application.assignments.aggregate(
        submitted=Count("pk", filter=Q(status=ReviewStatus.SUBMITTED)),
        pending=Count("pk", filter=Q(status__in=[ReviewStatus.ASSIGNED, ReviewStatus.DRAFT])),
    )
    if counts["pending"]:
        raise DomainError(
            _("还有%(n)d位专家未提交评审意见，不能完成评审。") % {"n": counts["pending"]},
            code="pending_reviews",
        )
    if not counts["submitted"]:
        raise DomainError(_("尚无专家提交评分，不能完成评审。"), code="no_reviews")


def _holds_award(application: Application) -> bool:
    from awards.enums import HOLDING_STATES

    return application.awards.filter(status__in=HOLDING_STATES).exists()


def _guard_award(*, application: Application, now) -> None:
    from awards.enums import AwardStatus

    if not application.awards.filter(status=AwardStatus.CONFIRMED).exists():
        raise DomainError(_("该申报没有已确认的奖励。"), code="no_award")


def _guard_not_award(*, application: Application, now) -> None:
    if _holds_award(application):
        raise DomainError(_("该申报已列入奖励，请先撤回奖励。"), code="has_award")


def _guard_submit_final(*, application: Application, now) -> None:
    report = getattr(application, "final_report", None)
    if report is None or not report.summary.strip():
        raise DomainError(_("请先填写工作总结。"), code="no_report")
    missing = application.outputs.exclude(evidence__kind=AttachmentKind.EVIDENCE).select_related(
        "indicator"
    )
    if missing:
        names = "、".join(f"{output.indicator.name}（{output.description}）" for output in missing)
        raise DomainError(
            _("以下预期成果尚无佐证材料：%(names)s。") % {"names": names}, code="no_evidence"
        )


def _guard_acceptance(result: str):
    def guard(*, application: Application, now) -> None:
        acceptance = getattr(application, "acceptance", None)
        if acceptance is None or acceptance.result != result:
            raise DomainError(_("请先录入验收得分与结论。"), code="no_acceptance")

    return guard


def _guard_inspection(result: str):
    def guard(*, application: Application, now) -> None:
        latest = application.inspections.order_by("-inspected_on", "-id").first()
        if latest is None or latest.result != result:
            raise DomainError(_("请先录入中期检查结论。"), code="no_inspection")

    return guard


GUARDS = {
    "submit": _guard_submit,
    "complete_review": _guard_complete_review,
    "award": _guard_award,
    "not_award": _guard_not_award,
    "submit_final": _guard_submit_final,
    "accept": _guard_acceptance(AcceptanceResult.PASSED),
    "fail": _guard_acceptance(AcceptanceResult.FAILED),
    "rectify": _guard_inspection(InspectionResult.RECTIFY),
    "rectified": _guard_inspection(InspectionResult.PASSED),
}
