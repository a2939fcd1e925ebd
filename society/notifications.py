"""Notify people in the platform and by mail; mail leaves after the transaction commits."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification, SentReminder


def notify(*, users: Iterable, title: str, body: str = "", url: str = "") -> list[Notification]:
    from .tasks import send_notification_mail

    recipients = [user for user in users if user is not None]
    notes = Notification.objects.bulk_create(
        [Notification(user=user, title=title, body=body, url=url) for user in recipients]
    )
    ids = [note.pk for note in notes if note.pk is not None]
    if not ids:  # databases that do not return ids from bulk_create
        ids = list(
            Notification.objects.filter(user__in=recipients, title=title)
            .order_by("-id")
            .values_list("id", flat=True)[: len(recipients)]
        )
    # robust: with the broker down the action that notified still succeeds; the mail waits
    # for send_unsent_notification_mails.
    for note_id in ids:
        transaction.on_commit(
            lambda note_id=note_id: send_notification_mail.delay(note_id), robust=True
        )
    return notes


def remind_once(key: str) -> bool:
    """Claim a reminder key; True the first time only."""
    try:
        with transaction.atomic():
            SentReminder.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def notifications_mark_read(*, user, pk: int | None = None) -> int:
    """Mark one of the user's notifications (or, without pk, all of them) read; returns
    how many changed. Already-read ones keep their first read time."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
