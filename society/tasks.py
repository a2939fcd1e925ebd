from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification


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
