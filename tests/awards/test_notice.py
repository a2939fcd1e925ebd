import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards.enums import AwardStatus, NoticeStatus, ObjectionStatus
from awards.models import Award, Objection
from awards.services import (
    award_propose,
    award_release,
    awards_propose_suggested,
    awards_suggest,
    notice_confirm,
    notice_publish,
    objection_file,
    objection_resolve,
)
from projects.enums import ApplicationStatus, ReviewStatus
from society.errors import DomainError
from society.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
THURSDAY = timezone.make_aware(datetime.datetime(2023, 9, 14, 10, 0))


def ranked_call(totals, *, award_count=30, fund=Decimal("100000")):
    """A reviewed call whose applications have these totals (one expert each)."""
    call = factories.CallFactory(in_review=True, award_count=award_count, fund_total=fund)
    expert = factories.ExpertFactory()
    applications = []
    for total in totals:
        application = factories.ApplicationFactory(call=call, status=ApplicationStatus.REVIEWED)
        factories.ReviewAssignmentFactory(
            application=application, expert=expert, status=ReviewStatus.SUBMITTED, total=total
        )
        applications.append(application)
    return call, applications


def test_suggestion_takes_the_top_up_to_the_count_and_flags_a_tie_at_the_cut():
    call, apps = ranked_call([90, 85, 80, 80, 70], award_count=3, fund=Decimal("9000"))
    suggestions = awards_suggest(call)
    assert [s.application for s in suggestions] == apps
    assert [s.suggested for s in suggestions] == [True, True, True, False, False]
    assert [s.tie_at_cut for s in suggestions] == [False, False, True, True, False]


def test_suggestion_stops_at_the_fund():
    call, _apps = ranked_call([90, 85, 80], award_count=30, fund=Decimal("6000"))
    assert [s.suggested for s in awards_suggest(call)] == [True, True, False]


def test_propose_suggested_and_change_the_proposal_with_a_reason(staff_user):
    call, apps = ranked_call([90, 85, 80], award_count=2, fund=Decimal("6000"))
    assert awards_propose_suggested(call=call, user=staff_user)["proposed"] == 2
    award = Award.objects.get(application=apps[1])
    assert (award.rank, award.score) == (2, Decimal("85.00"))
    award_release(award=award, user=staff_user, reason="经核实存在材料问题")
    award_propose(application=apps[2], user=staff_user, note="递补")
    held = Award.objects.filter(status__in=["proposed", "confirmed"])
    assert {a.application_id for a in held} == {apps[0].pk, apps[2].pk}


@pytest.fixture
def published(staff_user):
    call, apps = ranked_call([90, 85, 80], award_count=2, fund=Decimal("6000"))
    awards_propose_suggested(call=call, user=staff_user)
    notice = notice_publish(call=call, user=staff_user, now=THURSDAY)
    return notice, apps


def test_notice_published_on_thursday_ends_next_wednesday(published):
    notice, apps = published
    assert (notice.starts_on, notice.ends_on) == (
        datetime.date(2023, 9, 14),
        datetime.date(2023, 9, 20),
    )
    apps[0].refresh_from_db()
    apps[2].refresh_from_db()
    assert apps[0].status == ApplicationStatus.PUBLICIZED
    assert apps[2].status == ApplicationStatus.REVIEWED


def test_publishing_needs_a_proposal(staff_user):
    call, _apps = ranked_call([90])
    with pytest.raises(DomainError, match="尚无拟奖励项目"):
        notice_publish(call=call, user=staff_user)


def objection(notice, **overrides):
    fields = {
        "notice": notice,
        "name": "张三",
        "phone": "13812345678",
        "content": "该项目申报材料中的成果与事实不符。",
        "client_hash": "client-a",
        "evidence": SimpleUploadedFile("证明.pdf", PDF),
        "now": THURSDAY,
    }
    fields.update(overrides)
    return objection_file(**fields)


def test_objection_is_filed_during_the_period(published, settings, tmp_path, staff_user):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    notice, _apps = published
    filed = objection(notice)
    assert filed.status == ObjectionStatus.PENDING
    assert (tmp_path / filed.evidence.name).exists()
    assert Notification.objects.filter(user=staff_user, title__contains="异议").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": " "}, "真实姓名"),
        ({"phone": "123"}, "联系电话"),
        ({"content": "不对"}, "异议内容"),
        ({"evidence": None}, "证明材料"),
        ({"evidence": SimpleUploadedFile("a.pdf", b"MZ\x90\x00" * 10)}, "文件内容与扩展名"),
        ({"evidence": SimpleUploadedFile("a.exe", b"MZ")}, "不支持的文件类型"),
        ({"now": THURSDAY + datetime.timedelta(days=7)}, "不能提出异议"),
    ],
)
def test_bad_objections_store_nothing(published, settings, tmp_path, overrides, message):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    notice, _apps = published
    with pytest.raises(DomainError, match=message):
        objection(notice, **overrides)
    assert not Objection.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_oversized_evidence_is_refused(published, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 100
    notice, _apps = published
    with pytest.raises(DomainError, match="文件过大"):
        objection(notice, evidence=SimpleUploadedFile("a.pdf", PDF + b"0" * 200))
    assert not Objection.objects.exists()


def test_one_client_files_at_most_five_a_day(published, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    notice, _apps = published
    for _ in range(5):
        objection(notice)
    with pytest.raises(DomainError, match="过于频繁"):
        objection(notice)
    objection(notice, client_hash="client-b")
    assert Objection.objects.count() == 6


def test_confirm_waits_for_the_period_and_the_objections(published, staff_user, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    notice, apps = published
    filed = objection(notice)
    with pytest.raises(DomainError, match="结束后才能确认"):
        notice_confirm(notice=notice, user=staff_user, now=THURSDAY)
    after = THURSDAY + datetime.timedelta(days=7)
    with pytest.raises(DomainError, match="异议未处理"):
        notice_confirm(notice=notice, user=staff_user, now=after)
    with pytest.raises(DomainError, match="处理意见"):
        objection_resolve(objection=filed, user=staff_user, upheld=False, decision="")
    objection_resolve(
        objection=filed, user=staff_user, upheld=False, decision="经核实，异议不成立。"
    )
    result = notice_confirm(notice=notice, user=staff_user, now=after)
    assert result == {"awarded": 2, "not_awarded": 1}
    statuses = []
    for application in apps:
        application.refresh_from_db()
        statuses.append(application.status)
    assert statuses == [
        ApplicationStatus.AWARDED,
        ApplicationStatus.AWARDED,
        ApplicationStatus.NOT_AWARDED,
    ]
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CONFIRMED
    numbers = sorted(
        Award.objects.filter(status=AwardStatus.CONFIRMED).values_list(
            "certificate_number", flat=True
        )
    )
    assert numbers == [f"SCTJ-JL-{apps[0].call.year}-001", f"SCTJ-JL-{apps[0].call.year}-002"]


def test_no_new_proposal_after_the_notice_is_published(published, staff_user):
    _notice, apps = published
    with pytest.raises(DomainError, match="已发布公示"):
        award_propose(application=apps[2], user=staff_user)


def test_revoking_a_confirmed_award_terminates_the_project(staff_user):
    from awards.services import award_confirm

    application = factories.ApplicationFactory(status=ApplicationStatus.REVIEWED)
    award = award_confirm(application=application, user=staff_user)
    application.status = ApplicationStatus.AWARDED
    application.save()
    award_release(award=award, user=staff_user, reason="发现重复申报")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.TERMINATED
