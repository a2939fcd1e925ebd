import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .enums import DuesStatus, MemberStatus
from .models import Dues, MembershipPeriod, Notification
from .notifications import notify, remind_once


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_mail(notification_id: int) -> bool:
    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or note.mailed_at is not None or not note.user.email:
        return False
    body = note.body
    if note.url:
        body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{note.url}"
    send_mail(
        subject=f"【{settings.SOCIETY_NAME}】{note.title}",
        message=body,
        from_email=None,
        recipient_list=[note.user.email],
    )
    Notification.objects.filter(pk=note.pk).update(mailed_at=timezone.now())
    return True


@shared_task
def send_unsent_notification_mails() -> int:
    """Send the mails that could not be queued (the broker was down when the action
    committed): notifications of the last three days still without mailed_at, older than
    ten minutes so that a mail still in the queue is not sent twice. Returns how many."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            mailed_at__isnull=True,
            created_at__lt=now - datetime.timedelta(minutes=10),
            created_at__gte=now - datetime.timedelta(days=3),
        )
        .exclude(user__email="")
        .order_by("id")
        .values_list("id", flat=True)[:500]
    )
    return sum(send_notification_mail(note_id) for note_id in ids)


RENEWAL_NOTICE_DAYS = 30


@shared_task
def send_renewal_reminders() -> int:
    """Remind active members whose membership period ends within 30 days and who owe dues;
    each period is reminded once (society.SentReminder). Returns how many were sent."""
    today = timezone.localdate()
    later_period = MembershipPeriod.objects.filter(
        member=OuterRef("member"), ends_on__gt=OuterRef("ends_on")
    )
    unpaid = Dues.objects.filter(member=OuterRef("member"), status=DuesStatus.UNPAID)
    periods = (
        MembershipPeriod.objects.filter(
            ends_on__gte=today,
            ends_on__lte=today + datetime.timedelta(days=RENEWAL_NOTICE_DAYS),
            member__status=MemberStatus.ACTIVE,
            member__user__isnull=False,
        )
        .filter(Exists(unpaid), ~Exists(later_period))
        .select_related("member__user")
    )
    sent = 0
    for period in periods:
        if not remind_once(f"society.membership.renewal:{period.pk}"):
            continue
        notify(
            users=[period.member.user],
            title=_("会籍即将到期，请续缴会费"),
            body=_(
                "%(name)s，您好：您的会籍将于 %(end)s 到期，尚有未缴会费。"
                "请按学会通知缴纳会费以续期；如已缴纳，请联系秘书处登记。"
            )
            % {"name": period.member.name, "end": period.ends_on.isoformat()},
            url=reverse("home"),
        )
        sent += 1
    return sent
