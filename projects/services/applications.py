"""Writing an application: create, edit, attachments, versions; copying a call."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis.services import catalogue_copy
from society.audit import log_action
from society.enums import Role
from society.errors import DomainError
from society.models import User
from society.rules import is_secretariat
from society.services import versioned_update
from society.uploads import checked_upload, save_with_file

from ..enums import ApplicationStatus as S
from ..enums import AttachmentKind
from ..models import (
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    Call,
    Milestone,
    PlannedOutput,
    TeamMember,
)
from ..rules import is_applicant_officer

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
    if not children:
        # Main fields only: versioned_update writes them in a transaction of its own (no
        # savepoint inside another), and only the child tables' diff needs the snapshot.
        versioned_update(
            instance=application, user=user, changes=changes, expected_version=expected_version
        )
        return application
    with transaction.atomic():
        before = application_snapshot(application)
        versioned_update(
            instance=application, user=user, changes=changes, expected_version=expected_version
        )
        for name, rows in children.items():
            model, _fields = CHILD_MODELS[name]
            objects = [model(application=application, **row) for row in rows]
            for obj in objects:
                obj.full_clean(exclude=["application"])
            model.objects.filter(application=application).delete()
            model.objects.bulk_create(objects)
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


# While implementing, the awardee adds progress material and evidence.
IMPLEMENTING = (S.IN_PROGRESS, S.INSPECTION)


def _check_attachment_state(application: Application, kind: str) -> None:
    if kind == AttachmentKind.APPLICATION and not application.is_editable:
        raise DomainError(_("申报已提交，不能再修改附件。"), code="state")
    if kind != AttachmentKind.APPLICATION and application.status not in IMPLEMENTING:
        raise DomainError(_("只有实施中的项目可以上传进展材料和佐证材料。"), code="state")


def attachment_add(
    *,
    application: Application,
    user: User,
    file,
    description: str = "",
    kind: str = AttachmentKind.APPLICATION,
    output: PlannedOutput | None = None,
) -> Attachment:
    if not is_applicant_officer(user, application):
        raise DomainError(_("您无权为此申报上传附件。"), code="forbidden")
    _check_attachment_state(application, kind)
    if kind == AttachmentKind.EVIDENCE and (
        output is None or output.application_id != application.pk
    ):
        raise DomainError(_("请选择这份佐证材料对应的预期成果。"), code="output")
    info = checked_upload(file)
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
            output=output if kind == AttachmentKind.EVIDENCE else None,
        )
        save_with_file(attachment, "file", file, info["name"])
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
    _check_attachment_state(application, attachment.kind)
    with transaction.atomic():
        name = attachment.original_name
        stored = attachment.file.name
        attachment.delete()
        log_action("projects.attachment.deleted", user=user, obj=application, data={"name": name})
        transaction.on_commit(lambda: attachment.file.storage.delete(stored))


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
        added = catalogue_copy(from_year=call.year, to_year=year)
        log_action(
            "projects.call.copied",
            user=user,
            obj=copy,
            data={"from": call.pk, "indicators_added": added},
        )
    return copy
