import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.enums import ApplicationStatus
from projects.models import Attachment
from projects.services import (
    acceptance_record,
    application_transition,
    attachment_add,
    final_report_save,
    final_report_submit,
    inspection_record,
    progress_post,
)
from society.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DAY = datetime.date(2023, 10, 10)


@pytest.fixture
def awarded():
    application = factories.ApplicationFactory(status=ApplicationStatus.AWARDED)
    factories.complete_application(application)
    officer = factories.UnitOfficerFactory(member_unit=application.member_unit)
    return application, officer


def test_first_progress_update_starts_implementation(awarded):
    application, officer = awarded
    milestone = application.milestones.first()
    progress_post(
        application=application,
        user=officer,
        text="已完成两次技术指导服务。",
        reported_on=DAY,
        milestone=milestone,
        milestone_done=True,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_PROGRESS
    assert application.progress_updates.get().milestone_done


def test_progress_needs_text_and_own_milestone(awarded):
    application, officer = awarded
    with pytest.raises(DomainError, match="不少于10个字"):
        progress_post(application=application, user=officer, text="好", reported_on=DAY)
    other = factories.complete_application(factories.ApplicationFactory()).milestones.first()
    with pytest.raises(DomainError, match="不属于本项目"):
        progress_post(
            application=application,
            user=officer,
            text="进展情况说明十个字以上",
            reported_on=DAY,
            milestone=other,
        )


def test_another_officer_cannot_report(awarded, other_unit_officer):
    application, _officer = awarded
    with pytest.raises(DomainError):
        progress_post(
            application=application,
            user=other_unit_officer,
            text="进展情况说明十个字以上",
            reported_on=DAY,
        )


def test_rectify_then_pass(awarded, staff_user):
    application, officer = awarded
    application_transition(application=application, user=officer, action="start")
    with pytest.raises(Exception, match="整改期限"):
        inspection_record(
            application=application,
            user=staff_user,
            inspected_on=DAY,
            inspectors="检查组",
            findings="台账不全",
            result="rectify",
        )
    inspection_record(
        application=application,
        user=staff_user,
        inspected_on=DAY,
        inspectors="检查组",
        findings="台账不全",
        result="rectify",
        fix_deadline=DAY + datetime.timedelta(days=20),
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INSPECTION
    inspection_record(
        application=application,
        user=staff_user,
        inspected_on=DAY,
        inspectors="检查组",
        findings="已整改",
        result="passed",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_PROGRESS


def test_final_report_with_evidence_then_acceptance(awarded, staff_user, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    application, officer = awarded
    application_transition(application=application, user=officer, action="start")
    output = application.outputs.first()
    with pytest.raises(DomainError, match="对应的预期成果"):
        attachment_add(
            application=application,
            user=officer,
            kind="evidence",
            file=SimpleUploadedFile("佐证.pdf", PDF),
        )
    attachment_add(
        application=application,
        user=officer,
        kind="evidence",
        output=output,
        file=SimpleUploadedFile("佐证.pdf", PDF),
    )
    final_report_save(application=application, user=officer, summary="项目任务全部完成。")
    final_report_submit(application=application, user=officer)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FINAL_SUBMITTED
    assert application.final_report.submitted_by == officer
    with pytest.raises(DomainError, match="0至100"):
        acceptance_record(
            application=application,
            user=staff_user,
            score=Decimal("101"),
            opinion="好",
            reviewers="专家组",
            accepted_on=DAY,
        )
    acceptance_record(
        application=application,
        user=staff_user,
        score=Decimal("79.5"),
        opinion="成果不足",
        reviewers="专家组",
        accepted_on=DAY,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FAILED
    application_transition(application=application, user=staff_user, action="archive")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ARCHIVED


def test_pass_mark_is_set_per_call(awarded, staff_user):
    application, _officer = awarded
    application.call.acceptance_pass_mark = Decimal("70")
    application.call.save()
    application.status = ApplicationStatus.FINAL_SUBMITTED
    application.save()
    acceptance_record(
        application=application,
        user=staff_user,
        score=Decimal("75"),
        opinion="基本完成",
        reviewers="专家组",
        accepted_on=DAY,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED


def test_evidence_only_while_implementing(awarded, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    application, officer = awarded
    application.status = ApplicationStatus.ACCEPTED
    application.save()
    with pytest.raises(DomainError, match="实施中"):
        attachment_add(
            application=application,
            user=officer,
            kind="evidence",
            output=application.outputs.first(),
            file=SimpleUploadedFile("a.pdf", PDF),
        )
    assert not Attachment.objects.filter(kind="evidence").exists()
