"""The growth record gathers from each source app: one test per source."""

import datetime

import pytest

from awards.services import award_confirm
from projects.enums import ApplicationStatus, ReviewStatus
from projects.models import TeamMember
from society.audit import log_action
from society.growth import by_year, growth_record
from society.models import GrowthEntry, MembershipPeriod
from tests import factories
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(member_user):
    return member_user.member


def kinds(member):
    return {(item.kind, item.title) for item in growth_record(member)}


def test_joining_and_membership_periods(member):
    MembershipPeriod.objects.create(
        member=member,
        grade="senior",
        starts_on=datetime.date(2022, 1, 1),
        ends_on=datetime.date(2022, 12, 31),
    )
    titles = [item.title for item in growth_record(member)]
    assert any("加入" in t for t in titles)
    assert any("2022-01-01" in t for t in titles)


def test_grade_changes_from_the_audit_log(member):
    log_action(
        "society.member.updated", obj=member, data={"changes": {"grade": ["regular", "senior"]}}
    )
    assert any("高级会员" in item.title for item in growth_record(member))


def test_applications_they_were_on(member):
    application = factories.ApplicationFactory(title="韧性城市科技服务")
    TeamMember.objects.create(
        application=application, name=member.name, role="负责人", member=member
    )
    assert ("项目", "韧性城市科技服务") in kinds(member)


def test_awards_of_their_applications(member, staff_user):
    application = factories.ApplicationFactory(
        title="桥梁检测能力提升", status=ApplicationStatus.REVIEWED
    )
    TeamMember.objects.create(application=application, name=member.name, role="骨干", member=member)
    award_confirm(application=application, user=staff_user)
    awards = [item for item in growth_record(member) if item.kind == "奖励"]
    assert len(awards) == 1
    assert "SCTJ-JL-" in awards[0].detail


def test_reviews_done_as_expert(member):
    expert = factories.ExpertFactory(member=member)
    assignment = factories.ReviewAssignmentFactory(expert=expert, status=ReviewStatus.SUBMITTED)
    assignment.submitted_at = assignment.created_at
    assignment.save()
    assert any(item.kind == "评审" for item in growth_record(member))


@pytest.mark.parametrize("code", ["A02", "I05", "A05", "P05"])
def test_papers_services_works_and_trainings(member, code):
    category = {"I05": "技术指导", "P05": "学术工作委员会"}.get(code, "")
    record = RecordFactory(indicator=indicator(code), title=f"记录{code}", category=category)
    record.participants.add(member)
    assert any(item.title == f"记录{code}" for item in growth_record(member))


def test_own_entries_are_marked_and_grouped_by_year(member):
    GrowthEntry.objects.create(
        member=member, occurred_on=datetime.date(2021, 4, 1), title="参加继续教育"
    )
    items = growth_record(member)
    own = [item for item in items if item.own]
    assert [item.title for item in own] == ["参加继续教育"]
    years = [year for year, _items in by_year(items)]
    assert years == sorted(years, reverse=True)
    assert 2021 in years
