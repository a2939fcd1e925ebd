"""Scheduled reminders before the application and review deadlines; each is sent once."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from society.notifications import notify, remind_once

from .enums import EDITABLE_STATES, ReviewStatus
from .models import Call, ReviewAssignment
from .services import applicant_officers, beijing_time

# How long before a deadline each reminder goes out.
APPLICATION_LEADS = (timedelta(days=3), timedelta(days=1))
REVIEW_LEADS = (timedelta(days=2), timedelta(hours=12))


def _due_lead(deadline, leads, now):
    """The shortest lead whose window we are in, or None when no reminder is due."""
    remaining = deadline - now
    if remaining <= timedelta(0):
        return None
    due = [lead for lead in leads if remaining <= lead]
    return min(due) if due else None


def remind_applicants(now=None) -> int:
    now = now or timezone.now()
    sent = 0
    calls = Call.objects.filter(
        applications_close_at__gt=now, applications_close_at__lte=now + max(APPLICATION_LEADS)
    )
    for call in calls:
        lead = _due_lead(call.applications_close_at, APPLICATION_LEADS, now)
        drafts = call.applications.filter(status__in=EDITABLE_STATES).select_related("call")
        for application in drafts:
            if not remind_once(
                f"application-deadline:{application.pk}:{int(lead.total_seconds())}"
            ):
                continue
            with transaction.atomic():
                notify(
                    users=applicant_officers(application),
                    title=_("申报即将截止：%(title)s") % {"title": application.title},
                    body=_("《%(call)s》将于 %(end)s（北京时间）截止申报，您的申报尚未提交。")
                    % {"call": call.title, "end": beijing_time(call.applications_close_at)},
                    url=reverse("projects:application-detail", args=[application.pk]),
                )
            sent += 1
    return sent


def remind_experts(now=None) -> int:
    now = now or timezone.now()
    sent = 0
    calls = Call.objects.filter(
        review_close_at__gt=now, review_close_at__lte=now + max(REVIEW_LEADS)
    )
    for call in calls:
        lead = _due_lead(call.review_close_at, REVIEW_LEADS, now)
        open_reviews = (
            ReviewAssignment.objects.filter(
                application__call=call,
                status__in=[ReviewStatus.ASSIGNED, ReviewStatus.DRAFT],
                expert__user__isnull=False,
            )
            .select_related("expert__user")
            .order_by("expert_id")
        )
        pending: dict = {}
        for assignment in open_reviews:
            pending.setdefault(assignment.expert, 0)
            pending[assignment.expert] += 1
        for expert, count in pending.items():
            if not remind_once(
                f"review-deadline:{call.pk}:{expert.pk}:{int(lead.total_seconds())}"
            ):
                continue
            with transaction.atomic():
                notify(
                    users=[expert.user],
                    title=_("评审即将截止：您还有%(n)d项未提交") % {"n": count},
                    body=_("《%(call)s》专家评审将于 %(end)s（北京时间）截止。")
                    % {"call": call.title, "end": beijing_time(call.review_close_at)},
                    url=reverse("projects:review-list"),
                )
            sent += 1
    return sent


@shared_task
def send_deadline_reminders() -> dict:
    return {"applicants": remind_applicants(), "experts": remind_experts()}
