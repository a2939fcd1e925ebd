"""Everything that writes applications and reviews. Views call these; nothing else writes."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import rules
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from society.audit import log_action
from society.enums import Role
from society.errors import DomainError
from society.models import Expert, User
from society.notifications import notify
from society.rules import is_secretariat
from society.services import versioned_update
from society.uploads import check_upload

from .enums import ApplicationStatus as S
from .enums import AttachmentKind, ReviewStatus
from .models import (
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    Call,
    Milestone,
    PlannedOutput,
    ReviewAssignment,
    Score,
    TeamMember,
)
from .rules import is_applicant_officer, is_own_assignment

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
                "start": _local(call.applications_open_at),
                "end": _local(call.applications_close_at),
            },
            code="deadline",
        )
    if application.status == S.RETURNED and now > call.formal_check_close_at:
        raise DomainError(
            _("退回修改的申报须在 %(end)s（北京时间）前重新提交，已超过期限。")
            % {"end": _local(call.formal_check_close_at)},
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


GUARDS = {"submit": _guard_submit, "complete_review": _guard_complete_review}


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def applicant_officers(application: Application):
    if application.branch_id:
        return User.objects.filter(
            role=Role.OFFICER, branch_id=application.branch_id, is_active=True
        )
    return User.objects.filter(
        role=Role.OFFICER, member_unit_id=application.member_unit_id, is_active=True
    )


def secretariat_users():
    return User.objects.filter(
        Q(is_superuser=True) | Q(role=Role.STAFF, is_staff=True), is_active=True
    )


# ---------------------------------------------------------------------------
# Writing an application.

APPLICATION_FIELDS = ("title", "area", "field", "summary", "plan")
CHILD_MODELS = {
    "outputs": (PlannedOutput, ("indicator", "quantity", "description")),
    "budget": (BudgetLine, ("item", "amount", "note")),
    "team": (TeamMember, ("name", "title", "unit", "role", "member")),
    "milestones": (Milestone, ("title", "due_on", "description")),
}


def completeness_problems(application: Application) -> list[str]:
    problems = []
    for name in ("title", "summary", "plan"):
        if not (getattr(application, name) or "").strip():
            problems.append(
                _("请填写%(field)s") % {"field": Application._meta.get_field(name).verbose_name}
            )
    counts = {
        name: getattr(application, name).count() for name in ("outputs", "team", "milestones")
    }
    if not counts["outputs"]:
        problems.append(_("请至少填写一项预期成果（对应考核指标）"))
    if not counts["team"]:
        problems.append(_("请至少填写一名项目团队成员"))
    if not counts["milestones"]:
        problems.append(_("请至少填写一个进度节点"))
    total = sum((line.amount for line in application.budget.all()), Decimal("0"))
    if total != application.call.award_amount:
        problems.append(
            _("经费预算合计应等于奖励金额 ¥%(amount)s，当前为 ¥%(total)s")
            % {"amount": f"{application.call.award_amount:,.2f}", "total": f"{total:,.2f}"}
        )
    late = application.milestones.filter(due_on__gt=application.call.implementation_end).count()
    if late:
        problems.append(
            _("有%(n)d个进度节点晚于实施截止日期 %(end)s")
            % {"n": late, "end": application.call.implementation_end}
        )
    if not application.attachments.filter(kind=AttachmentKind.APPLICATION).exists():
        problems.append(_("请上传至少一个申报附件（如加盖公章的申报书）"))
    return problems


def _check_organisation_quota(call: Call, application: Application | None, *, exclude_self=False):
    organisation = {
        "branch_id": application.branch_id,
        "member_unit_id": application.member_unit_id,
    }
    existing = call.applications.filter(**organisation).exclude(
        status__in=[S.WITHDRAWN, S.NOT_ACCEPTED, S.TERMINATED]
    )
    if exclude_self and application.pk:
        existing = existing.exclude(pk=application.pk)
    if existing.count() >= call.applications_per_organisation:
        raise DomainError(
            _("本批次每个机构最多申报%(n)d项，贵机构已达上限。")
            % {"n": call.applications_per_organisation},
            code="quota",
        )


def application_create(*, call: Call, user: User, now=None, **fields) -> Application:
    now = now or timezone.now()
    if user.role != Role.OFFICER or user.organisation is None:
        raise DomainError(_("只有分支机构或会员单位的联络员可以申报。"), code="forbidden")
    if user.branch_id and not call.branches_eligible:
        raise DomainError(_("本批次不接受分支机构申报。"), code="eligibility")
    if user.member_unit_id and not call.units_eligible:
        raise DomainError(_("本批次不接受会员单位申报。"), code="eligibility")
    if not call.is_open(now):
        raise DomainError(_("本批次当前不在申报时间内。"), code="deadline")
    with transaction.atomic():
        application = Application(
            call=call,
            branch_id=user.branch_id,
            member_unit_id=user.member_unit_id,
            created_by=user,
            **{name: fields.get(name, "") for name in APPLICATION_FIELDS if name != "field"},
        )
        application.field = fields["field"]
        _check_organisation_quota(call, application)
        application.full_clean()
        application.save()
        log_action(
            "projects.application.created",
            user=user,
            obj=application,
            data={"title": application.title},
        )
    return application


def application_update(
    *,
    application: Application,
    user: User,
    changes: dict[str, Any],
    expected_version: int,
    children: dict[str, list[dict]] | None = None,
) -> Application:
    """Save the applicant's edits: main fields and (optionally) the child tables as a whole.

    Refused when the application is no longer editable, when the user is not one of the
    applicant's officers, or when somebody else saved since `expected_version` was read.
    """
    if not is_applicant_officer(user, application):
        raise DomainError(_("您无权修改此申报。"), code="forbidden")
    if not application.is_editable:
        raise DomainError(
            _("申报当前状态为“%(status)s”，不能修改。")
            % {"status": application.get_status_display()},
            code="state",
        )
    with transaction.atomic():
        before = application_snapshot(application)
        versioned_update(
            instance=application, user=user, changes=changes, expected_version=expected_version
        )
        for name, rows in (children or {}).items():
            model, _fields = CHILD_MODELS[name]
            objects = [model(application=application, **row) for row in rows]
            for obj in objects:
                obj.full_clean(exclude=["application"])
            model.objects.filter(application=application).delete()
            model.objects.bulk_create(objects)
        if children:
            after = application_snapshot(application)
            changed = {name: after[name] for name in children if after[name] != before[name]}
            if changed:
                log_action(
                    "projects.application.children_updated",
                    user=user,
                    obj=application,
                    data={"changes": changed},
                )
    return application


def application_snapshot(application: Application) -> dict[str, Any]:
    """Everything an applicant wrote, as plain data (versions and comparisons use it)."""
    data = {
        "title": application.title,
        "area": application.get_area_display(),
        "field": str(application.field),
        "summary": application.summary,
        "plan": application.plan,
        "outputs": [
            {"indicator": str(o.indicator), "quantity": o.quantity, "description": o.description}
            for o in application.outputs.select_related("indicator")
        ],
        "budget": [
            {"item": b.item, "amount": f"{b.amount:.2f}", "note": b.note}
            for b in application.budget.all()
        ],
        "team": [
            {"name": t.name, "title": t.title, "unit": t.unit, "role": t.role}
            for t in application.team.all()
        ],
        "milestones": [
            {"title": m.title, "due_on": m.due_on.isoformat(), "description": m.description}
            for m in application.milestones.all()
        ],
        "attachments": [
            {"name": a.original_name, "sha256": a.sha256}
            for a in application.attachments.filter(kind=AttachmentKind.APPLICATION)
        ],
    }
    return data


def _save_version(application: Application, *, user: User, now) -> ApplicationVersion:
    number = application.versions.count() + 1
    return ApplicationVersion.objects.create(
        application=application,
        number=number,
        data=application_snapshot(application),
        submitted_at=now,
        submitted_by=user,
    )


def attachment_add(
    *,
    application: Application,
    user: User,
    file,
    description: str = "",
    kind: str = AttachmentKind.APPLICATION,
) -> Attachment:
    if not is_applicant_officer(user, application):
        raise DomainError(_("您无权为此申报上传附件。"), code="forbidden")
    if kind == AttachmentKind.APPLICATION and not application.is_editable:
        raise DomainError(_("申报已提交，不能再修改附件。"), code="state")
    try:
        info = check_upload(file)
    except ValidationError as error:
        raise DomainError(error.messages[0], code="upload") from error
    with transaction.atomic():
        attachment = Attachment(
            application=application,
            kind=kind,
            original_name=info["name"],
            extension=info["ext"],
            content_type=info["content_type"],
            size=info["size"],
            sha256=info["sha256"],
            description=description[:200],
            uploaded_by=user,
        )
        attachment.file.save(info["name"], file, save=False)
        try:
            attachment.save()
        except Exception:
            attachment.file.delete(save=False)
            raise
        log_action(
            "projects.attachment.added",
            user=user,
            obj=application,
            data={"name": info["name"], "size": info["size"], "sha256": info["sha256"]},
        )
    return attachment


def attachment_delete(*, attachment: Attachment, user: User) -> None:
    application = attachment.application
    if not is_applicant_officer(user, application):
        raise DomainError(_("您无权删除此附件。"), code="forbidden")
    if attachment.kind == AttachmentKind.APPLICATION and not application.is_editable:
        raise DomainError(_("申报已提交，不能再修改附件。"), code="state")
    with transaction.atomic():
        name = attachment.original_name
        stored = attachment.file.name
        attachment.delete()
        log_action("projects.attachment.deleted", user=user, obj=application, data={"name": name})
        transaction.on_commit(lambda: attachment.file.storage.delete(stored))


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
        % {"call": call.title, "end": _local(call.review_close_at)},
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
            % {"start": _local(call.review_open_at), "end": _local(call.review_close_at)},
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


def call_copy(*, call: Call, user: User, year: int) -> Call:
    """A new call for another year with the same settings and rubric, windows moved by years."""
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以复制申报批次。"), code="forbidden")
    shift = year - call.year

    def moved(moment):
        try:
            return moment.replace(year=moment.year + shift)
        except ValueError:  # 29 February
            return moment.replace(year=moment.year + shift, day=28)

    with transaction.atomic():
        criteria = list(call.criteria.all())
        copy = Call.objects.get(pk=call.pk)
        copy.pk = None
        copy.year = year
        copy.title = call.title.replace(str(call.year), str(year))
        if copy.title == call.title:
            copy.title = f"{call.title}（{year}）"
        for name in (
            "applications_open_at",
            "applications_close_at",
            "formal_check_close_at",
            "review_open_at",
            "review_close_at",
            "implementation_end",
        ):
            setattr(copy, name, moved(getattr(call, name)))
        copy.full_clean()
        copy.save()
        for criterion in criteria:
            criterion.pk = None
            criterion.call = copy
        copy.criteria.model.objects.bulk_create(criteria)
        log_action("projects.call.copied", user=user, obj=copy, data={"from": call.pk})
    return copy
