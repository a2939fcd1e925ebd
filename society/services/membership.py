"""个人会员: self-registration, approval with a member number, profile, dues, growth record."""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ..audit import log_action
from ..enums import DuesStatus, MemberGrade, MemberStatus, RegistrationStatus, Role
from ..errors import DomainError
from ..models import (
    Dues,
    GrowthEntry,
    Member,
    MemberNumberCounter,
    MembershipPeriod,
    Registration,
    User,
)
from ..notifications import notify
from ..rules import is_secretariat
from ..uploads import checked_upload, save_with_file
from ..validators import normalize_phone, validate_phone
from .registry import versioned_update

CONFIRM_SALT = "society.registration.confirm"
CONFIRM_MAX_AGE = 3 * 24 * 3600  # the confirmation link works for three days
REGISTRATIONS_PER_HOUR = 3  # from one client
DEFAULT_DUES = Decimal("100.00")
MEMBER_PROFILE_FIELDS = (
    "phone", "email", "title", "employer_name", "tianfu_registered_on", "tianfu_account",
    "studio_opened_on", "studio_url",
)  # fmt: skip


def _duplicate_contact(phone: str, email: str, *, exclude_registration=None) -> str | None:
    members = Member.objects.filter(Q(phone=phone) | Q(email__iexact=email))
    if members.filter(phone=phone).exists():
        return _("该手机号已是本会会员，请直接登录或联系秘书处。")
    if email and members.filter(email__iexact=email).exists():
        return _("该电子邮箱已是本会会员，请直接登录或联系秘书处。")
    open_ones = Registration.objects.filter(
        status__in=[RegistrationStatus.UNCONFIRMED, RegistrationStatus.PENDING]
    )
    if exclude_registration is not None:
        open_ones = open_ones.exclude(pk=exclude_registration.pk)
    if open_ones.filter(phone=phone).exists():
        return _("该手机号已有一份入会申请正在办理，请勿重复提交。")
    if open_ones.filter(email__iexact=email).exists():
        return _("该电子邮箱已有一份入会申请正在办理，请勿重复提交。")
    return None


def registration_submit(
    *, data: dict[str, Any], client_hash: str, consent: bool, now=None
) -> Registration:
    """Store an application and mail a confirmation link; nothing is stored on a refusal."""
    now = now or timezone.now()
    if not consent:
        raise DomainError(_("请阅读并同意隐私声明后再提交。"), code="consent")
    phone = normalize_phone(data.get("phone", ""))
    email = (data.get("email") or "").strip().lower()
    try:
        validate_phone(phone)
    except ValidationError as error:
        raise DomainError(error.messages[0], code="phone") from error
    duplicate = _duplicate_contact(phone, email)
    if duplicate:
        raise DomainError(duplicate, code="duplicate")
    recent = Registration.objects.filter(
        client_hash=client_hash, created_at__gte=now - datetime.timedelta(hours=1)
    ).count()
    if client_hash and recent >= REGISTRATIONS_PER_HOUR:
        raise DomainError(_("提交过于频繁，请一小时后再试。"), code="rate")
    expertise = data.get("expertise") or []
    branches = data.get("branches") or []
    with transaction.atomic():
        registration = Registration(
            name=(data.get("name") or "").strip(),
            gender=data.get("gender", ""),
            phone=phone,
            email=email,
            employer=data.get("employer"),
            employer_name=(data.get("employer_name") or "").strip(),
            title=data.get("title", ""),
            consent_at=now,
            client_hash=client_hash,
        )
        registration.full_clean()
        registration.save()
        registration.expertise.set(expertise)
        registration.branches.set(branches)
        log_action(
            "society.registration.submitted", obj=registration, data={"name": registration.name}
        )
        token = signing.dumps(registration.pk, salt=CONFIRM_SALT)
        transaction.on_commit(lambda: _mail_confirmation(registration, token))
    return registration


def _mail_confirmation(registration: Registration, token: str) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    link = settings.SITE_URL.rstrip("/") + reverse("register-confirm", args=[token])
    send_mail(
        subject=_("【%(society)s】请确认您的入会申请邮箱") % {"society": settings.SOCIETY_NAME},
        message=_(
            "%(name)s，您好：\n\n感谢申请加入%(society)s。请在三天内打开下面的链接确认邮箱，"
            "确认后秘书处将审核您的申请：\n\n%(link)s\n\n如非本人操作，请忽略本邮件。"
        )
        % {"name": registration.name, "society": settings.SOCIETY_NAME, "link": link},
        from_email=None,
        recipient_list=[registration.email],
    )


def registration_confirm_email(*, token: str, now=None) -> Registration:
    try:
        pk = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as error:
        raise DomainError(_("确认链接已过期，请重新提交入会申请。"), code="expired") from error
    except signing.BadSignature as error:
        raise DomainError(_("确认链接无效。"), code="invalid") from error
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(pk=pk).first()
        if registration is None:
            raise DomainError(_("确认链接无效。"), code="invalid")
        if registration.status == RegistrationStatus.UNCONFIRMED:
            registration.status = RegistrationStatus.PENDING
            registration.email_confirmed_at = now or timezone.now()
            registration.save(update_fields=["status", "email_confirmed_at", "updated_at"])
            log_action("society.registration.confirmed", obj=registration)
            staff = User.objects.filter(
                Q(is_superuser=True) | Q(role=Role.STAFF, is_staff=True), is_active=True
            )
            notify(
                users=staff,
                title=_("新的入会申请：%(name)s") % {"name": registration.name},
                url=reverse("admin:society_registration_change", args=[registration.pk]),
            )
    return registration


def next_member_number(year: int) -> str:
    """SCTJ-<year>-<nnnnn>, taken under a row lock on the year's counter (call inside atomic)."""
    counter = MemberNumberCounter.objects.select_for_update().filter(year=year).first()
    if counter is None:
        prefix = f"SCTJ-{year}-"
        numbers = Member.objects.filter(member_number__startswith=prefix).values_list(
            "member_number", flat=True
        )
        highest = max((int(n.rsplit("-", 1)[1]) for n in numbers), default=0)
        try:
            with transaction.atomic():
                MemberNumberCounter.objects.create(year=year, last=highest)
        except IntegrityError:
            pass  # another approval created it first
        counter = MemberNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SCTJ-{year}-{counter.last:05d}"


def registration_approve(*, registration: Registration, user: User, now=None) -> Member:
    """批准: a member with a new number, a login, a first membership period and dues."""
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以审核入会申请。"), code="forbidden")
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status != RegistrationStatus.PENDING:
            raise DomainError(
                _("只有“待审核”的申请可以批准，当前为“%(status)s”。")
                % {"status": locked.get_status_display()},
                code="state",
            )
        duplicate = _duplicate_contact(locked.phone, locked.email, exclude_registration=locked)
        if duplicate:
            raise DomainError(duplicate, code="duplicate")
        number = next_member_number(today.year)
        account = User(
            username=number,
            email=locked.email,
            role=Role.MEMBER,
            last_name=locked.name[:1],
            first_name=locked.name[1:],
            phone=locked.phone,
        )
        account.set_unusable_password()
        account.save()
        member = Member.objects.create(
            member_number=number,
            name=locked.name,
            gender=locked.gender,
            title=locked.title,
            employer=locked.employer,
            employer_name=locked.employer_name,
            grade=MemberGrade.REGULAR,
            joined_on=today,
            status=MemberStatus.ACTIVE,
            phone=locked.phone,
            email=locked.email,
            user=account,
        )
        member.branches.set(locked.branches.all())
        member.expertise.set(locked.expertise.all())
        MembershipPeriod.objects.create(
            member=member,
            grade=member.grade,
            starts_on=today,
            ends_on=datetime.date(today.year, 12, 31)
            if today.month < 12
            else datetime.date(today.year + 1, 12, 31),
        )
        Dues.objects.create(member=member, year=today.year, amount=DEFAULT_DUES)
        locked.status = RegistrationStatus.APPROVED
        locked.member = member
        locked.decided_by = user
        locked.decided_at = now
        locked.save(update_fields=["status", "member", "decided_by", "decided_at", "updated_at"])
        log_action(
            "society.registration.approved", user=user, obj=locked, data={"member_number": number}
        )
        transaction.on_commit(lambda: _mail_welcome(member))
    return member


def _mail_welcome(member: Member) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    account = member.user
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    link = settings.SITE_URL.rstrip("/") + reverse(
        "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )
    send_mail(
        subject=_("【%(society)s】入会申请已批准") % {"society": settings.SOCIETY_NAME},
        message=_(
            "%(name)s，您好：\n\n您的入会申请已批准，会员编号 %(number)s，登录用户名即会员编号。"
            "请打开下面的链接设置密码：\n\n%(link)s\n\n也请在天府科技云完成个人注册。"
        )
        % {"name": member.name, "number": member.member_number, "link": link},
        from_email=None,
        recipient_list=[member.email],
    )


def registration_reject(*, registration: Registration, user: User, reason: str) -> Registration:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以审核入会申请。"), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写不予批准的理由。"), code="reason")
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status not in (RegistrationStatus.PENDING, RegistrationStatus.UNCONFIRMED):
            raise DomainError(_("该申请已审核。"), code="state")
        locked.status = RegistrationStatus.REJECTED
        locked.decision_note = reason[:300]
        locked.decided_by = user
        locked.decided_at = timezone.now()
        locked.save(
            update_fields=["status", "decision_note", "decided_by", "decided_at", "updated_at"]
        )
        log_action("society.registration.rejected", user=user, obj=locked, data={"reason": reason})
    registration.refresh_from_db()
    return registration


def member_update_profile(
    *, member: Member, user: User, changes: dict[str, Any], expected_version: int
) -> Member:
    """A member's own contact data, 天府科技云 account and 科创工作室 link."""
    if member.user_id != user.pk:
        raise DomainError(_("只能修改本人的会员信息。"), code="forbidden")
    unknown = set(changes) - set(MEMBER_PROFILE_FIELDS) - {"expertise"}
    if unknown:
        raise ValueError(f"fields not editable by members: {sorted(unknown)}")
    expertise = changes.pop("expertise", None)
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"])
        if Member.objects.filter(phone=changes["phone"]).exclude(pk=member.pk).exists():
            raise DomainError(_("该手机号已被其他会员使用。"), code="duplicate")
    with transaction.atomic():
        versioned_update(
            instance=member, user=user, changes=changes, expected_version=expected_version
        )
        if expertise is not None:
            member.expertise.set(expertise)
    return member


def dues_record_payment(
    *, dues: Dues, user: User, paid_on: datetime.date, receipt_number: str, exempt: bool = False
) -> Dues:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以登记会费。"), code="forbidden")
    if dues.status != DuesStatus.UNPAID:
        raise DomainError(_("该年度会费已登记。"), code="state")
    dues.status = DuesStatus.EXEMPT if exempt else DuesStatus.PAID
    dues.paid_on = None if exempt else paid_on
    dues.receipt_number = receipt_number.strip()
    dues.full_clean()
    dues.save(update_fields=["status", "paid_on", "receipt_number"])
    log_action(
        "society.dues.recorded",
        user=user,
        obj=dues.member,
        data={"year": dues.year, "status": dues.status},
    )
    return dues


def growth_entry_add(
    *,
    member: Member,
    user: User,
    occurred_on: datetime.date,
    title: str,
    description: str = "",
    evidence=None,
) -> GrowthEntry:
    if member.user_id != user.pk:
        raise DomainError(_("只能在本人的成长足迹中添加记录。"), code="forbidden")
    title = (title or "").strip()
    if not title:
        raise DomainError(_("请填写事项。"), code="title")
    if occurred_on > timezone.localdate():
        raise DomainError(_("日期不能晚于今天。"), code="date")
    info = None
    if evidence is not None:
        info = checked_upload(evidence, allowed=("pdf", "jpg", "png"))
    with transaction.atomic():
        entry = GrowthEntry(
            member=member,
            occurred_on=occurred_on,
            title=title[:200],
            description=description,
            evidence_name=info["name"] if info else "",
        )
        if info:
            save_with_file(entry, "evidence", evidence, info["name"])
        else:
            entry.save()
        log_action("society.growth.added", user=user, obj=member, data={"title": entry.title})
    return entry
