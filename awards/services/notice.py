"""公示: publish the proposed awards, take objections, confirm the result."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.enums import ApplicationStatus as S
from projects.models import Call
from projects.services import application_transition, secretariat_users
from society.audit import log_action
from society.errors import DomainError
from society.models import User
from society.notifications import notify
from society.rules import is_secretariat
from society.uploads import checked_upload, save_with_file
from society.validators import normalize_phone, validate_phone

from ..calendar import working_period
from ..enums import HOLDING_STATES, AwardStatus, NoticeStatus, ObjectionStatus
from ..models import Award, Objection, PublicNotice
from .pool import award_confirm

OBJECTIONS_PER_DAY = 5  # from one client, whatever the outcome
EVIDENCE_TYPES = ("pdf", "jpg", "png", "docx")


def notice_publish(
    *, call: Call, user: User, title: str = "", body: str = "", now=None
) -> PublicNotice:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以发布公示。"), code="forbidden")
    now = now or timezone.now()
    if PublicNotice.objects.filter(call=call).exists():
        raise DomainError(_("本批次已发布过公示。"), code="duplicate")
    proposed = list(
        Award.objects.filter(pool__call=call, status=AwardStatus.PROPOSED)
        .select_related("application")
        .order_by("rank", "pk")
    )
    if not proposed:
        raise DomainError(_("尚无拟奖励项目，不能发布公示。"), code="empty")
    starts_on, ends_on = working_period(timezone.localdate(now), call.notice_working_days)
    title = title.strip() or _("%(call)s拟奖励项目公示") % {"call": call.title}
    body = body.strip() or _(
        "经形式审查、专家评审，现将拟奖励项目予以公示。公示期内，如对公示项目有异议，"
        "请以真实姓名实名提出，并附联系方式和证明材料。"
    )
    with transaction.atomic():
        notice = PublicNotice.objects.create(
            call=call,
            title=title,
            body=body,
            starts_on=starts_on,
            ends_on=ends_on,
            published_at=now,
            published_by=user,
        )
        for award in proposed:
            if award.application.status == S.REVIEWED:
                application_transition(
                    application=award.application, user=user, action="publicize", now=now
                )
        log_action(
            "awards.notice.published",
            user=user,
            obj=notice,
            data={"awards": len(proposed), "starts_on": starts_on, "ends_on": ends_on},
        )
    return notice


def notice_is_open(notice: PublicNotice, now=None) -> bool:
    today = timezone.localdate(now or timezone.now())
    return notice.status == NoticeStatus.PUBLISHED and notice.starts_on <= today <= notice.ends_on


def objection_file(
    *,
    notice: PublicNotice,
    name: str,
    phone: str,
    content: str,
    evidence,
    client_hash: str,
    email: str = "",
    employer: str = "",
    award: Award | None = None,
    now=None,
) -> Objection:
    """异议: real name, a contact, the objection in writing and evidence; nothing is stored
    unless all of it is valid and the notice is open."""
    now = now or timezone.now()
    if not notice_is_open(notice, now):
        raise DomainError(
            _("公示期为 %(start)s 至 %(end)s，现在不能提出异议。")
            % {"start": notice.starts_on, "end": notice.ends_on},
            code="closed",
        )
    name, content = (name or "").strip(), (content or "").strip()
    problems = []
    if len(name) < 2:
        problems.append(_("请填写真实姓名"))
    try:
        validate_phone(phone)
    except Exception:
        problems.append(_("请填写有效的联系电话"))
    if len(content) < 10:
        problems.append(_("请写明异议内容（不少于10个字）"))
    if award is not None and (
        award.pool.call_id != notice.call_id or award.status not in HOLDING_STATES
    ):
        problems.append(_("所选项目不在本次公示名单中"))
    if evidence is None:
        problems.append(_("请上传证明材料"))
    if problems:
        raise DomainError("；".join(problems) + "。", code="invalid")
    info = checked_upload(evidence, allowed=EVIDENCE_TYPES)
    since = now - datetime.timedelta(days=1)
    if Objection.objects.filter(client_hash=client_hash, created_at__gte=since).count() >= (
        OBJECTIONS_PER_DAY
    ):
        raise DomainError(_("提交过于频繁，请明天再试或直接联系学会秘书处。"), code="rate")
    with transaction.atomic():
        objection = Objection(
            notice=notice,
            award=award,
            name=name[:50],
            phone=normalize_phone(phone),
            email=email,
            employer=employer[:150],
            content=content,
            evidence_name=info["name"],
            client_hash=client_hash,
        )
        save_with_file(objection, "evidence", evidence, info["name"])
        log_action(
            "awards.objection.filed",
            obj=notice,
            data={"objection": objection.pk, "award": award.pk if award else None},
        )
        notify(
            users=secretariat_users(),
            title=_("公示收到异议：%(title)s") % {"title": notice.title},
            body=content[:200],
            url=reverse("admin:awards_objection_change", args=[objection.pk]),
        )
    return objection


def objection_resolve(*, objection: Objection, user: User, upheld: bool, decision: str) -> None:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以处理异议。"), code="forbidden")
    decision = (decision or "").strip()
    if not decision:
        raise DomainError(_("请填写处理意见。"), code="reason")
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != ObjectionStatus.PENDING:
            raise DomainError(_("该异议已处理。"), code="state")
        locked.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        locked.decision = decision
        locked.decided_by = user
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decision", "decided_by", "decided_at", "updated_at"])
        log_action(
            "awards.objection.resolved",
            user=user,
            obj=locked.notice,
            data={"objection": locked.pk, "status": locked.status, "decision": decision},
        )
    objection.refresh_from_db()


def notice_confirm(*, notice: PublicNotice, user: User, now=None) -> dict:
    """After the period, with every objection decided: proposals become awards, every other
    reviewed application of the call becomes 未获奖, and every applicant is told."""
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以确认公示结果。"), code="forbidden")
    now = now or timezone.now()
    if notice.status != NoticeStatus.PUBLISHED:
        raise DomainError(_("该公示已确认结果。"), code="state")
    if timezone.localdate(now) <= notice.ends_on:
        raise DomainError(
            _("公示期至 %(end)s 结束，结束后才能确认结果。") % {"end": notice.ends_on},
            code="period",
        )
    pending = notice.objections.filter(status=ObjectionStatus.PENDING).count()
    if pending:
        raise DomainError(
            _("还有%(n)d条异议未处理，处理后才能确认结果。") % {"n": pending}, code="objections"
        )
    call = notice.call
    with transaction.atomic():
        awarded = 0
        proposed = Award.objects.filter(pool__call=call, status=AwardStatus.PROPOSED)
        for award in proposed.select_related("application").order_by("rank", "pk"):
            award_confirm(application=award.application, user=user)
            application_transition(
                application=award.application, user=user, action="award", now=now
            )
            awarded += 1
        others = call.applications.filter(status__in=[S.REVIEWED, S.PUBLICIZED])
        not_awarded = 0
        for application in others:
            application_transition(application=application, user=user, action="not_award", now=now)
            not_awarded += 1
        notice.status = NoticeStatus.CONFIRMED
        notice.confirmed_at = now
        notice.save(update_fields=["status", "confirmed_at", "updated_at"])
        log_action(
            "awards.notice.confirmed",
            user=user,
            obj=notice,
            data={"awarded": awarded, "not_awarded": not_awarded},
        )
    return {"awarded": awarded, "not_awarded": not_awarded}
