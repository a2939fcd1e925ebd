"""Experts: assignment with conflict checks, scoring, conflicts declared, reopening."""

from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from society.audit import log_action
from society.errors import DomainError
from society.models import Expert, User
from society.notifications import notify
from society.rules import is_secretariat

from ..enums import ApplicationStatus as S
from ..enums import ReviewStatus
from ..models import (
    Application,
    Call,
    ReviewAssignment,
    Score,
)
from ..rules import is_own_assignment
from .common import beijing_time, secretariat_users

# ---------------------------------------------------------------------------
# Experts: assignment, conflicts, scoring.


def conflict_reason(expert: Expert, application: Application) -> str | None:
    """Why this expert may not review this application, or None."""
    if application.member_unit_id:
        if expert.affiliation_id == application.member_unit_id:
            return _("专家所在单位即申报单位")
        if expert.member_id and expert.member.employer_id == application.member_unit_id:
            return _("专家的工作单位即申报单位")
        if expert.avoid_units.filter(pk=application.member_unit_id).exists():
            return _("申报单位在专家的回避单位名单中")
    if application.branch_id and expert.office_branches.filter(pk=application.branch_id).exists():
        return _("专家在申报分支机构任职")
    if application.assignments.filter(expert=expert, status=ReviewStatus.CONFLICT).exists():
        return _("专家已声明回避此申报")
    return None


def assignment_refusal(application: Application, expert: Expert) -> str | None:
    """Why this expert may not be assigned to this application now, or None."""
    if application.status != S.UNDER_REVIEW:
        return _("只有“专家评审中”的申报可以分配专家。")
    if not expert.active:
        return _("专家“%(name)s”已不在库，不能分配。") % {"name": expert.name}
    reason = conflict_reason(expert, application)
    if reason:
        return _("不能将“%(name)s”分配给此申报：%(reason)s。") % {
            "name": expert.name,
            "reason": reason,
        }
    if application.assignments.filter(expert=expert).exists():
        return _("“%(name)s”已分配给此申报。") % {"name": expert.name}
    return None


def assignment_create(*, application: Application, expert: Expert, user: User) -> ReviewAssignment:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以分配评审专家。"), code="forbidden")
    refusal = assignment_refusal(application, expert)
    if refusal:
        raise DomainError(refusal, code="refused")
    with transaction.atomic():
        assignment = ReviewAssignment.objects.create(
            application=application, expert=expert, assigned_by=user
        )
        log_action(
            "projects.assignment.created", user=user, obj=application, data={"expert": expert.name}
        )
        _notify_expert_assigned(expert, [application])
    return assignment


def _notify_expert_assigned(expert: Expert, applications: list[Application]) -> None:
    if expert.user_id is None or not applications:
        return
    call = applications[0].call
    notify(
        users=[expert.user],
        title=_("您有%(n)d项新的评审任务") % {"n": len(applications)},
        body=_("《%(call)s》评审截止时间：%(end)s（北京时间）。请登录平台查看并评分。")
        % {"call": call.title, "end": beijing_time(call.review_close_at)},
        url=reverse("projects:review-list"),
    )


def assignments_auto(*, call: Call, user: User, per_application: int | None = None) -> dict:
    """Give every application under review N experts: matching field first, lightest load first.

    Never assigns an expert with a conflict; returns what was done and what fell short.
    """
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以分配评审专家。"), code="forbidden")
    wanted = per_application or call.experts_per_application
    applications = list(
        call.applications.filter(status=S.UNDER_REVIEW)
        .select_related("call", "branch", "member_unit", "field")
        .prefetch_related("assignments")
        .order_by("pk")
    )
    experts = list(
        Expert.objects.filter(active=True)
        .select_related("member")
        .prefetch_related("expertise", "avoid_units", "office_branches")
        .order_by("pk")
    )
    load = Counter(
        ReviewAssignment.objects.filter(application__call=call)
        .exclude(status=ReviewStatus.CONFLICT)
        .values_list("expert_id", flat=True)
    )
    expertise = {e.pk: {area.pk for area in e.expertise.all()} for e in experts}
    avoid = {e.pk: {unit.pk for unit in e.avoid_units.all()} for e in experts}
    offices = {e.pk: {branch.pk for branch in e.office_branches.all()} for e in experts}
    created: list[ReviewAssignment] = []
    short: list[Application] = []
    per_expert: dict[int, list[Application]] = {}
    with transaction.atomic():
        for application in applications:
            taken = {a.expert_id for a in application.assignments.all()}
            active = sum(
                1 for a in application.assignments.all() if a.status != ReviewStatus.CONFLICT
            )
            need = wanted - active
            if need <= 0:
                continue

            def allowed(expert, application=application, taken=taken):
                if expert.pk in taken:
                    return False
                unit = application.member_unit_id
                if unit and (
                    expert.affiliation_id == unit
                    or unit in avoid[expert.pk]
                    or (expert.member_id and expert.member.employer_id == unit)
                ):
                    return False
                return not (application.branch_id and application.branch_id in offices[expert.pk])

            candidates = sorted(
                (e for e in experts if allowed(e)),
                key=lambda e, a=application: (a.field_id not in expertise[e.pk], load[e.pk], e.pk),
            )
            for expert in candidates[:need]:
                created.append(
                    ReviewAssignment(application=application, expert=expert, assigned_by=user)
                )
                load[expert.pk] += 1
                per_expert.setdefault(expert.pk, []).append(application)
            if len(candidates) < need:
                short.append(application)
        ReviewAssignment.objects.bulk_create(created)
        log_action(
            "projects.assignment.auto",
            user=user,
            obj=call,
            data={"created": len(created), "short": [a.pk for a in short]},
        )
        by_pk = {e.pk: e for e in experts}
        for expert_pk, apps in per_expert.items():
            _notify_expert_assigned(by_pk[expert_pk], apps)
    return {"created": len(created), "short": short}


def review_save(
    *,
    assignment: ReviewAssignment,
    user: User,
    scores: dict[int, Decimal | None],
    comment: str,
    submit: bool,
    now=None,
) -> ReviewAssignment:
    """Save an expert's scores as a draft, or submit them (then they are locked)."""
    now = now or timezone.now()
    if not is_own_assignment(user, assignment):
        raise DomainError(_("这不是您的评审任务。"), code="forbidden")
    application = assignment.application
    call = application.call
    if assignment.status == ReviewStatus.SUBMITTED:
        raise DomainError(_("评审已提交并锁定；如需修改，请联系秘书处重新开放。"), code="locked")
    if application.status != S.UNDER_REVIEW:
        raise DomainError(_("此申报已不在评审阶段。"), code="state")
    if not call.review_is_open(now):
        raise DomainError(
            _("不在评审时间内：评审时间为 %(start)s 至 %(end)s（北京时间）。")
            % {
                "start": beijing_time(call.review_open_at),
                "end": beijing_time(call.review_close_at),
            },
            code="deadline",
        )
    criteria = list(call.criteria.all())
    errors = []
    for criterion in criteria:
        points = scores.get(criterion.pk)
        if points is None:
            if submit:
                errors.append(_("请为“%(name)s”打分") % {"name": criterion.name})
            continue
        if not (Decimal("0") <= points <= criterion.max_points):
            errors.append(
                _("“%(name)s”的得分须在0至%(max)s之间")
                % {"name": criterion.name, "max": f"{criterion.max_points.normalize():f}"}
            )
    comment = (comment or "").strip()
    if submit and len(comment) < 10:
        errors.append(_("请填写评审意见（不少于10个字）"))
    if errors:
        raise DomainError("；".join(errors) + "。", code="invalid")
    with transaction.atomic():
        locked = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.status == ReviewStatus.SUBMITTED:
            raise DomainError(_("评审已提交并锁定。"), code="locked")
        Score.objects.filter(assignment=locked).delete()
        Score.objects.bulk_create(
            Score(assignment=locked, criterion=c, points=scores[c.pk])
            for c in criteria
            if scores.get(c.pk) is not None
        )
        locked.comment = comment
        if submit:
            locked.total = sum((scores[c.pk] * c.weight for c in criteria), Decimal("0")).quantize(
                Decimal("0.01")
            )
            locked.status = ReviewStatus.SUBMITTED
            locked.submitted_at = now
        else:
            locked.status = ReviewStatus.DRAFT
        locked.save(update_fields=["comment", "total", "status", "submitted_at", "updated_at"])
        log_action(
            "projects.review.submitted" if submit else "projects.review.saved",
            user=user,
            obj=locked,
            data={"total": locked.total},
        )
    return locked


def review_declare_conflict(*, assignment: ReviewAssignment, user: User, reason: str) -> None:
    if not is_own_assignment(user, assignment):
        raise DomainError(_("这不是您的评审任务。"), code="forbidden")
    if assignment.status == ReviewStatus.SUBMITTED:
        raise DomainError(_("评审已提交，不能再声明回避；请联系秘书处。"), code="locked")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请说明回避理由。"), code="reason")
    with transaction.atomic():
        Score.objects.filter(assignment=assignment).delete()
        assignment.status = ReviewStatus.CONFLICT
        assignment.conflict_reason = reason[:300]
        assignment.total = None
        assignment.save(update_fields=["status", "conflict_reason", "total", "updated_at"])
        log_action("projects.review.conflict", user=user, obj=assignment, data={"reason": reason})
        notify(
            users=secretariat_users(),
            title=_("专家%(name)s声明回避：%(title)s")
            % {"name": assignment.expert.name, "title": assignment.application.title},
            body=reason,
            url=reverse("admin:projects_application_change", args=[assignment.application_id]),
        )


def review_reopen(*, assignment: ReviewAssignment, user: User, reason: str) -> None:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以重新开放评审。"), code="forbidden")
    if assignment.status != ReviewStatus.SUBMITTED:
        raise DomainError(_("只有已提交的评审可以重新开放。"), code="state")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写重新开放的理由。"), code="reason")
    with transaction.atomic():
        assignment.status = ReviewStatus.DRAFT
        assignment.submitted_at = None
        assignment.total = None
        assignment.save(update_fields=["status", "submitted_at", "total", "updated_at"])
        log_action("projects.review.reopened", user=user, obj=assignment, data={"reason": reason})
        if assignment.expert.user_id:
            notify(
                users=[assignment.expert.user],
                title=_("评审已重新开放：%(title)s") % {"title": assignment.application.title},
                body=reason,
                url=reverse("projects:review-detail", args=[assignment.pk]),
            )
