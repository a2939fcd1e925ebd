"""Daily reminders about final reports: to awardees before the implementation ends, to the
secretariat once a project is overdue. Each reminder is sent once (society.remind_once)."""

import datetime

from celery import shared_task
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.enums import ApplicationStatus as S
from projects.models import Application
from projects.services import applicant_officers, secretariat_users
from society.notifications import notify, remind_once

# Days before the call's implementation_end that an awardee is reminded, once each.
FINAL_REPORT_LEADS = (14, 3)
# Being implemented: the awardee still owes the final report.
DUE_STATES = (S.IN_PROGRESS, S.INSPECTION)
# Overdue also counts awards whose implementation never started.
OVERDUE_STATES = (S.AWARDED, *DUE_STATES)


def _without_submitted_report(states) -> QuerySet[Application]:
    return (
        # No final report, or one saved as a draft only.
        Application.objects.filter(status__in=states, final_report__submitted_at__isnull=True)
        .select_related("call", "branch", "member_unit")
        .order_by("call__implementation_end", "pk")
    )


def due_lead(days_left: int) -> int | None:
    """The shortest lead whose window we are in (days_left <= lead), or None."""
    if days_left < 0:
        return None
    due = [lead for lead in FINAL_REPORT_LEADS if days_left <= lead]
    return min(due) if due else None


def remind_final_reports_due(today: datetime.date | None = None) -> int:
    """Tell the officers of each project in progress whose implementation ends within a lead
    that the final report is due; once per project and lead."""
    today = today or timezone.localdate()
    sent = 0
    applications = _without_submitted_report(DUE_STATES).filter(
        call__implementation_end__gte=today,
        call__implementation_end__lte=today + datetime.timedelta(days=max(FINAL_REPORT_LEADS)),
    )
    for application in applications:
        end = application.call.implementation_end
        lead = due_lead((end - today).days)
        if lead is None or not remind_once(f"final-report-due:{application.pk}:{lead}"):
            continue
        with transaction.atomic():
            notify(
                users=applicant_officers(application),
                title=_("结题报告即将到期：%(title)s") % {"title": application.title},
                body=_(
                    "项目实施截止日期为 %(end)s，请在此之前提交工作总结和佐证材料"
                    "（每项预期成果须有佐证材料）。"
                )
                % {"end": end},
                url=reverse("projects:final-report", args=[application.pk]),
            )
        sent += 1
    return sent


def remind_final_reports_overdue(today: datetime.date | None = None) -> int:
    """Tell the secretariat, once per project, that a project passed its implementation end
    without a submitted final report."""
    today = today or timezone.localdate()
    sent = 0
    applications = _without_submitted_report(OVERDUE_STATES).filter(
        call__implementation_end__lt=today
    )
    for application in applications:
        if not remind_once(f"final-report-overdue:{application.pk}"):
            continue
        with transaction.atomic():
            notify(
                users=secretariat_users(),
                title=_("结题报告逾期：%(title)s") % {"title": application.title},
                body=_("%(applicant)s的项目实施已于 %(end)s 截止，尚未提交结题报告。")
                % {"applicant": application.applicant, "end": application.call.implementation_end},
                url=reverse("admin:projects_application_change", args=[application.pk]),
            )
        sent += 1
    return sent


@shared_task
def send_final_report_reminders() -> dict:
    return {"due": remind_final_reports_due(), "overdue": remind_final_reports_overdue()}
