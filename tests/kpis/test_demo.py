"""The demo year of indicator records: valid, deterministic, and every indicator has data."""

import datetime

import pytest

from kpis.demo import build_kpi_demo, clear_kpi_demo
from kpis.models import Outreach, Record, SatisfactionResponse
from kpis.selectors import year_progress
from kpis.services import record_problems
from society.demo import build_demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return build_demo_data(scale=0.1)


def fingerprint():
    return sorted(
        Record.objects.values_list("indicator__code", "title", "status", "occurred_on", "category")
    )


def test_every_indicator_has_a_value(demo):
    results = year_progress(2023, datetime.date(2023, 12, 31))
    assert len(results) == 29
    missing = [r.indicator.code for r in results if r.value is None or r.record_count == 0]
    assert missing == []


def test_records_are_valid_for_their_indicators(demo):
    for record in Record.objects.select_related("indicator"):
        assert record_problems(record) == [], record.title
        assert record.evidence.exists()
        if record.status == "verified":
            assert record.verified_at is not None


def test_demo_officers_have_records(demo):
    assert Record.objects.filter(member_unit__officers__username="danwei").exists()


def test_outreach_and_satisfaction_feed_their_ratios(demo):
    assert Outreach.objects.exists()
    assert SatisfactionResponse.objects.filter(record__indicator__code="I05").exists()


def test_same_records_on_a_second_run(demo):
    first = fingerprint()
    clear_kpi_demo()
    assert not Record.objects.exists()
    build_kpi_demo(scale=0.1)
    assert fingerprint() == first


def test_monthly_reports_give_the_trend_chart_a_rising_line(demo):
    from django.db.models import Avg

    from kpis.demo import KpiDemo
    from kpis.models import ProgressReport

    assert not ProgressReport.objects.exists()  # skipped below scale 1
    assert KpiDemo(scale=0.1).monthly_reports() == 6

    reports = list(ProgressReport.objects.filter(year=2023).order_by("as_of"))
    assert [r.as_of.month for r in reports] == [7, 8, 9, 10, 11, 12]
    assert all(r.status == "ready" and r.pdf for r in reports)
    averages = [r.snapshots.aggregate(avg=Avg("progress"))["avg"] for r in reports]
    assert averages == sorted(averages)
    assert averages[0] < averages[-1]
