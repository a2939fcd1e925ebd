from datetime import timedelta

import pytest
from django.utils import timezone

from projects.enums import ApplicationStatus
from projects.tasks import remind_applicants, remind_experts, send_deadline_reminders
from society.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_applicants_with_drafts_are_reminded_once_per_lead():
    now = timezone.now()
    call = factories.CallFactory(applications_close_at=now + timedelta(days=2))
    officer = factories.UnitOfficerFactory()
    factories.ApplicationFactory(call=call, member_unit=officer.member_unit)
    submitted = factories.UnitOfficerFactory()
    factories.ApplicationFactory(
        call=call, member_unit=submitted.member_unit, status=ApplicationStatus.SUBMITTED
    )

    assert remind_applicants(now) == 1
    assert remind_applicants(now) == 0  # never twice
    assert Notification.objects.filter(user=officer, title__startswith="申报即将截止").count() == 1
    assert not Notification.objects.filter(user=submitted).exists()
    # The last-day reminder is a second, different one.
    assert remind_applicants(now + timedelta(days=1, hours=12)) == 1


def test_no_reminder_long_before_or_after_the_deadline():
    now = timezone.now()
    call = factories.CallFactory(applications_close_at=now + timedelta(days=9))
    factories.ApplicationFactory(call=call)
    assert remind_applicants(now) == 0
    assert remind_applicants(now + timedelta(days=10)) == 0


def test_experts_with_open_reviews_are_reminded_once():
    user = factories.ExpertUserFactory()
    expert = factories.ExpertFactory(user=user)
    assignment = factories.ReviewAssignmentFactory(expert=expert)
    close = assignment.application.call.review_close_at
    assert remind_experts(close - timedelta(hours=30)) == 1
    assert remind_experts(close - timedelta(hours=29)) == 0
    note = Notification.objects.get(user=user)
    assert "1项未提交" in note.title


def test_beat_task_runs_eagerly():
    assert send_deadline_reminders.delay().get() == {"applicants": 0, "experts": 0}
