import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kpis.models import Record
from kpis.services import (
    evidence_add,
    record_reject,
    record_report,
    record_update,
    record_verify,
)
from society.errors import DomainError, StaleEditError
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def service(**overrides):
    data = {
        "indicator": indicator("I05"),
        "category": "技术指导",
        "title": "为成都某桥梁项目提供技术指导",
        "occurred_on": datetime.date(2023, 9, 1),
    }
    data.update(overrides)
    return data


def paper(**overrides):
    data = service(
        indicator=indicator("A02"),
        category="",
        title="装配式混凝土结构抗震性能研究",
        published_on=datetime.date(2023, 3, 1),
        sichuan_author=True,
        authors="李明",
    )
    data.update(overrides)
    return data


def with_evidence(record, user):
    evidence_add(record=record, user=user, file=SimpleUploadedFile("佐证.pdf", PDF))
    return record


def test_officer_reports_for_their_own_organisation(unit_officer):
    record = record_report(user=unit_officer, data=service())
    assert record.member_unit == unit_officer.member_unit
    assert record.status == "reported"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda: service(category=""), "请选择类别"),
        (lambda: service(indicator=indicator("P02")), "自动计算"),
        (lambda: service(indicator=indicator("P01"), category=""), "名次"),
        (lambda: paper(published_on=datetime.date(2020, 12, 31)), "发表日期须在"),
        (lambda: paper(sichuan_author=False), "在四川工作"),
    ],
)
def test_bad_records_are_refused(unit_officer, data, message):
    with pytest.raises(DomainError, match=message):
        record_report(user=unit_officer, data=data())
    assert not Record.objects.exists()


def test_a_paper_is_counted_through_one_channel_only(unit_officer, branch_officer):
    record_report(user=unit_officer, data=paper())
    with pytest.raises(DomainError, match="重复填报"):
        record_report(user=branch_officer, data=paper(title="装配式混凝土结构 抗震性能研究"))


def test_verification_needs_evidence(unit_officer, staff_user, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    record = record_report(user=unit_officer, data=service())
    with pytest.raises(DomainError, match="没有佐证材料"):
        record_verify(record=record, user=staff_user)
    with_evidence(record, unit_officer)
    record_verify(record=record, user=staff_user)
    assert record.status == "verified"
    with pytest.raises(DomainError, match="已核实"):
        record_update(
            record=record,
            user=unit_officer,
            changes={"title": "改"},
            expected_version=record.version,
        )


def test_paper_cap_holds(unit_officer, staff_user, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    target = indicator("A02")
    target.record_rules = {**target.record_rules, "max_count": 2}
    target.save()
    records = [
        with_evidence(record_report(user=unit_officer, data=paper(title=f"论文{n}")), unit_officer)
        for n in range(3)
    ]
    record_verify(record=records[0], user=staff_user)
    record_verify(record=records[1], user=staff_user)
    with pytest.raises(DomainError, match="最多推荐2项"):
        record_verify(record=records[2], user=staff_user)


def test_rejection_needs_a_reason_and_tells_the_reporter(unit_officer, staff_user):
    record = record_report(user=unit_officer, data=service())
    with pytest.raises(DomainError):
        record_reject(record=record, user=staff_user, note="")
    record_reject(record=record, user=staff_user, note="佐证材料不清晰")
    assert record.status == "rejected"
    assert unit_officer.notifications.filter(title__contains="未通过").exists()


def test_editing_a_rejected_record_reports_it_again(unit_officer, staff_user):
    record = record_report(user=unit_officer, data=service())
    record_reject(record=record, user=staff_user, note="日期有误")
    record_update(
        record=record,
        user=unit_officer,
        changes={"occurred_on": datetime.date(2023, 9, 2)},
        expected_version=record.version,
    )
    record.refresh_from_db()
    assert (record.status, record.review_note) == ("reported", "")


def test_stale_edit_is_refused(unit_officer):
    record = record_report(user=unit_officer, data=service())
    version = record.version
    record_update(
        record=Record.objects.get(pk=record.pk),
        user=unit_officer,
        changes={"title": "甲"},
        expected_version=version,
    )
    with pytest.raises(StaleEditError):
        record_update(
            record=Record.objects.get(pk=record.pk),
            user=unit_officer,
            changes={"title": "乙"},
            expected_version=version,
        )
    record.refresh_from_db()
    assert record.title == "甲"


def test_other_officers_cannot_touch_a_record(unit_officer, other_unit_officer):
    record = record_report(user=unit_officer, data=service())
    with pytest.raises(DomainError):
        record_update(
            record=record,
            user=other_unit_officer,
            changes={"title": "x"},
            expected_version=record.version,
        )
    with pytest.raises(DomainError):
        evidence_add(record=record, user=other_unit_officer, file=SimpleUploadedFile("a.pdf", PDF))


def test_experts_and_members_cannot_report(expert_user, member_user, leader_user):
    for user in (expert_user, member_user, leader_user):
        with pytest.raises(DomainError):
            record_report(user=user, data=service())


def test_rank_snapshot_entered_by_staff_with_its_source(staff_user):
    record = record_report(
        user=staff_user,
        data=service(
            indicator=indicator("P01"),
            category="",
            value=Decimal(38),
            source_note="省科协2023年三季度通报",
        ),
    )
    assert record.organisation is None


def test_factory_records_are_verified():
    assert RecordFactory().status == "verified"
