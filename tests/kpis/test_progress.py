import datetime
from decimal import Decimal

import pytest

from kpis.enums import ProgressStatus
from kpis.models import Outreach, SatisfactionResponse
from kpis.selectors import elapsed_share, status_of, year_progress
from tests import factories
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db
SEPTEMBER = datetime.date(2023, 9, 28)


def progress(code, today=SEPTEMBER):
    return next(p for p in year_progress(2023, today) if p.indicator.code == code)


def test_count_sums_verified_records_only():
    RecordFactory.create_batch(3, indicator=indicator("I05"), category="技术指导")
    RecordFactory(indicator=indicator("I05"), quantity=2)
    RecordFactory(indicator=indicator("I05"), status="reported")
    RecordFactory(indicator=indicator("I05"), status="rejected")
    RecordFactory(indicator=indicator("I06"))  # another indicator
    result = progress("I05")
    assert result.value == Decimal(5)
    assert result.progress == Decimal("25.00")  # 5 of 20
    assert result.record_count == 4


def test_count_reaching_the_target_is_done():
    RecordFactory.create_batch(2, indicator=indicator("I06"))
    result = progress("I06")
    assert (result.value, result.progress, result.status) == (
        Decimal(2),
        Decimal(100),
        ProgressStatus.DONE,
    )


def test_milestone_needs_one_verified_record():
    RecordFactory(indicator=indicator("C01"), status="reported")
    assert progress("C01").value == 0
    RecordFactory(indicator=indicator("C01"))
    assert progress("C01").value == 1
    assert progress("C01").status == ProgressStatus.DONE


def test_rank_is_the_latest_verified_snapshot():
    RecordFactory(
        indicator=indicator("P01"), value=Decimal(62), occurred_on=datetime.date(2023, 7, 1)
    )
    RecordFactory(
        indicator=indicator("P01"), value=Decimal(41), occurred_on=datetime.date(2023, 9, 1)
    )
    RecordFactory(
        indicator=indicator("P01"),
        value=Decimal(10),
        occurred_on=datetime.date(2023, 9, 20),
        status="reported",
    )
    result = progress("P01")
    assert result.value == Decimal(41)
    assert result.progress == Decimal(100)


def test_rank_outside_the_target_is_partial():
    RecordFactory(indicator=indicator("P01"), value=Decimal(80))
    assert progress("P01").progress == Decimal("62.50")  # 50 / 80


def test_unreported_rank_has_no_value():
    result = progress("I08")
    assert result.value is None
    assert result.progress == 0


def test_coverage_needs_every_category():
    RecordFactory(indicator=indicator("P05"), category="学术工作委员会")
    RecordFactory(indicator=indicator("P05"), category="教育工作委员会", status="rejected")
    result = progress("P05")
    assert result.covered == ["学术工作委员会"]
    assert result.missing == ["教育工作委员会"]
    assert result.progress == Decimal("50.00")
    RecordFactory(indicator=indicator("P05"), category="教育工作委员会")
    assert progress("P05").progress == Decimal(100)


def test_branch_party_group_ratio_from_the_registry():
    factories.BranchFactory.create_batch(
        3, party_group=True, party_group_on=datetime.date(2020, 1, 1)
    )
    factories.BranchFactory(party_group=False)
    factories.BranchFactory(party_group=False, status="withdrawn")  # not counted
    result = progress("P02")
    assert result.value == Decimal("75.00")
    assert result.progress == Decimal("75.00")


def test_fulltime_staff_counts_current_full_time_staff():
    factories.StaffMemberFactory.create_batch(6)
    factories.StaffMemberFactory(full_time=False)
    factories.StaffMemberFactory(left_on=datetime.date(2022, 12, 31))
    assert progress("C03").value == Decimal(6)


def test_outreach_coverage_is_members_reached_this_year():
    members = factories.MemberFactory.create_batch(4)
    Outreach.objects.create(
        member=members[0], contacted_on=datetime.date(2023, 8, 1), channel="wechat"
    )
    Outreach.objects.create(
        member=members[0], contacted_on=datetime.date(2023, 9, 1), channel="phone"
    )
    Outreach.objects.create(member=members[1], contacted_on=datetime.date(2023, 9, 1), channel="qq")
    Outreach.objects.create(member=members[2], contacted_on=datetime.date(2022, 9, 1), channel="qq")
    assert progress("I09").value == Decimal("50.00")


def test_satisfaction_is_the_share_of_good_ratings_on_verified_services():
    service = RecordFactory(indicator=indicator("I05"))
    unverified = RecordFactory(indicator=indicator("I05"), status="reported")
    for rating in (5, 4, 4, 2):
        SatisfactionResponse.objects.create(
            record=service, member=factories.MemberFactory(), rating=rating
        )
    SatisfactionResponse.objects.create(
        record=unverified, member=factories.MemberFactory(), rating=1
    )
    result = progress("I10")
    assert result.value == Decimal("75.00")
    assert result.progress == Decimal("83.33")  # 75 of 90


@pytest.mark.parametrize(
    ("today", "share"),
    [
        (datetime.date(2023, 6, 1), Decimal(0)),
        (datetime.date(2023, 6, 25), Decimal(0)),
        (datetime.date(2024, 3, 1), Decimal(1)),
    ],
)
def test_elapsed_share_is_clamped_to_the_period(today, share):
    from kpis.models import ProgrammeYear

    assert elapsed_share(ProgrammeYear.objects.get(year=2023), today) == share


@pytest.mark.parametrize(
    ("progress_value", "elapsed", "status"),
    [
        (Decimal(100), Decimal("0.2"), ProgressStatus.DONE),
        (Decimal(50), Decimal("0.5"), ProgressStatus.ON_TRACK),
        (Decimal(45), Decimal("0.5"), ProgressStatus.ON_TRACK),  # 90 % of the expected 50
        (Decimal(44), Decimal("0.5"), ProgressStatus.BEHIND),
        (Decimal(30), Decimal("0.5"), ProgressStatus.BEHIND),  # 60 % of the expected 50
        (Decimal(29), Decimal("0.5"), ProgressStatus.AT_RISK),
        (Decimal(99), Decimal(1), ProgressStatus.AT_RISK),  # the period is over
        (Decimal(0), Decimal(0), ProgressStatus.ON_TRACK),
    ],
)
def test_status_against_elapsed_time(progress_value, elapsed, status):
    assert status_of(progress_value, elapsed) == status


def test_status_on_fixed_dates():
    RecordFactory.create_batch(10, indicator=indicator("I05"))  # 50 % of 20
    # 2023-09-28 is half way through 2023-06-25 .. 2023-12-31.
    assert progress("I05", datetime.date(2023, 9, 28)).status == ProgressStatus.ON_TRACK
    assert progress("I05", datetime.date(2023, 11, 15)).status == ProgressStatus.BEHIND
    assert progress("I05", datetime.date(2024, 1, 2)).status == ProgressStatus.AT_RISK


def test_every_indicator_of_the_year_is_computed(django_assert_max_num_queries):
    RecordFactory.create_batch(5)
    with django_assert_max_num_queries(12):
        results = year_progress(2023, SEPTEMBER)
    assert len(results) == 29


def test_as_of_counts_only_what_was_verified_by_then():
    from django.utils import timezone

    early = timezone.make_aware(datetime.datetime(2023, 8, 1, 12))
    late = timezone.make_aware(datetime.datetime(2023, 10, 1, 12))
    RecordFactory(indicator=indicator("I06"), verified_at=early)
    RecordFactory(indicator=indicator("I06"), verified_at=late)
    members = factories.MemberFactory.create_batch(2)
    Outreach.objects.create(member=members[0], contacted_on=datetime.date(2023, 7, 1), channel="qq")
    Outreach.objects.create(member=members[1], contacted_on=datetime.date(2023, 9, 1), channel="qq")
    snapshot = {
        p.indicator.code: p.value
        for p in year_progress(2023, as_of=timezone.make_aware(datetime.datetime(2023, 8, 15)))
    }
    assert snapshot["I06"] == Decimal(1)
    assert snapshot["I09"] == Decimal("50.00")
