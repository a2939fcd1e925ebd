"""Final report reminders: awardees before the implementation ends, staff once overdue."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from awards.tasks import (
    remind_final_reports_due,
    remind_final_reports_overdue,
    send_final_report_reminders,
)
from projects.enums import ApplicationStatus
from projects.models import FinalReport
from society.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

END = datetime.date(2023, 12, 31)
DUE_TITLE = "结题报告即将到期"
OVERDUE_TITLE = "结题报告逾期"


def project(status=ApplicationStatus.IN_PROGRESS, *, end=END):
    """An awarded project of a call ending on `end`, with one officer."""
    call = factories.CallFactory(implementation_end=end)
    application = factories.ApplicationFactory(call=call, status=status)
    officer = factories.UnitOfficerFactory(member_unit=application.member_unit)
    return application, officer


def due_notes(user) -> int:
    return Notification.objects.filter(user=user, title__startswith=DUE_TITLE).count()


def test_awardees_are_reminded_once_per_lead():
    application, officer = project()
    colleague = factories.UnitOfficerFactory(member_unit=application.member_unit)

    assert remind_final_reports_due(END - datetime.timedelta(days=20)) == 0  # too early
    assert remind_final_reports_due(END - datetime.timedelta(days=14)) == 1
    assert remind_final_reports_due(END - datetime.timedelta(days=13)) == 0  # never twice
    assert remind_final_reports_due(END - datetime.timedelta(days=4)) == 0
    assert (due_notes(officer), due_notes(colleague)) == (1, 1)
    # Within three days: the second, different reminder, once.
    assert remind_final_reports_due(END - datetime.timedelta(days=3)) == 1
    assert remind_final_reports_due(END) == 0
    assert (due_notes(officer), due_notes(colleague)) == (2, 2)
    note = Notification.objects.filter(user=officer).first()
    assert application.title in note.title
    assert "2023-12-31" in note.body
    assert note.url == f"/applications/{application.pk}/implementation/final-report/"


def test_a_late_first_run_sends_only_the_short_lead():
    _application, officer = project()
    assert remind_final_reports_due(END - datetime.timedelta(days=2)) == 1
    assert remind_final_reports_due(END - datetime.timedelta(days=1)) == 0
    assert due_notes(officer) == 1


@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.IN_PROGRESS, ApplicationStatus.INSPECTION],
)
def test_projects_being_implemented_are_reminded(status):
    _application, officer = project(status)
    assert remind_final_reports_due(END - datetime.timedelta(days=5)) == 1
    assert due_notes(officer) == 1


@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.FINAL_SUBMITTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.ARCHIVED,
        ApplicationStatus.NOT_AWARDED,
        ApplicationStatus.TERMINATED,
    ],
)
def test_no_reminder_for_projects_not_being_implemented(status):
    project(status)
    assert remind_final_reports_due(END - datetime.timedelta(days=5)) == 0
    assert remind_final_reports_overdue(END + datetime.timedelta(days=5)) == 0
    assert not Notification.objects.exists()


def test_a_submitted_report_stops_the_reminders_but_a_draft_does_not():
    submitted, submitted_officer = project()
    FinalReport.objects.create(
        application=submitted, summary="已完成。", submitted_at=timezone.now()
    )
    draft, draft_officer = project()
    FinalReport.objects.create(application=draft, summary="草稿")

    assert remind_final_reports_due(END - datetime.timedelta(days=5)) == 1
    assert (due_notes(submitted_officer), due_notes(draft_officer)) == (0, 1)


def test_staff_are_told_once_about_each_overdue_project(staff_user):
    late, officer = project()
    never_started, _officer = project(ApplicationStatus.AWARDED)
    project(end=END + datetime.timedelta(days=30))  # on time

    assert remind_final_reports_overdue(END) == 0  # the last day is not overdue yet
    assert remind_final_reports_overdue(END + datetime.timedelta(days=1)) == 2
    assert remind_final_reports_overdue(END + datetime.timedelta(days=2)) == 0

    notes = Notification.objects.filter(user=staff_user, title__startswith=OVERDUE_TITLE)
    assert sorted(n.title for n in notes) == sorted(
        f"{OVERDUE_TITLE}：{a.title}" for a in (late, never_started)
    )
    assert not Notification.objects.filter(user=officer).exists()
    assert notes.get(title__contains=late.title).url == (
        f"/admin/projects/application/{late.pk}/change/"
    )


def test_beat_task_runs_daily_and_eagerly():
    entry = settings.CELERY_BEAT_SCHEDULE["final-report-reminders"]
    assert entry["task"] == "awards.tasks.send_final_report_reminders"
    assert send_final_report_reminders.delay().get() == {"due": 0, "overdue": 0}
