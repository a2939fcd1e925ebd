from decimal import Decimal as D

import pytest

from projects.enums import ApplicationStatus, ReviewStatus
from projects.selectors import aggregate, call_ranking, ranking_load_applications
from tests import factories


def test_aggregate_of_three_scores_keeps_them_all():
    stats = aggregate([D("80"), D("90"), D("70")])
    assert stats.mean == D("80.00")
    assert stats.trimmed_mean == D("80.00")
    assert stats.stdev == D("8.16")  # population standard deviation
    assert stats.spread == D("20.00")


def test_aggregate_drops_highest_and_lowest_from_five_scores():
    stats = aggregate([D("60"), D("85"), D("86"), D("87"), D("99")])
    assert stats.mean == D("83.40")
    assert stats.trimmed_mean == D("86.00")
    assert stats.spread == D("39.00")


def test_aggregate_of_nothing():
    stats = aggregate([])
    assert stats.count == 0
    assert stats.mean is None


@pytest.mark.django_db
def test_ranking_orders_by_trimmed_mean_with_shared_ranks_for_ties():
    call = factories.CallFactory(in_review=True, disagreement_threshold=D("15"))
    scores = {"甲": [90, 92, 91], "乙": [85, 85, 85], "丙": [80, 90, 85], "丁": [95, 70, 60]}
    experts = factories.ExpertFactory.create_batch(3)
    applications = {}
    for title, totals in scores.items():
        application = factories.ApplicationFactory(
            call=call, title=title, status=ApplicationStatus.UNDER_REVIEW
        )
        applications[title] = application
        for expert, total in zip(experts, totals, strict=True):
            factories.ReviewAssignmentFactory(
                application=application,
                expert=expert,
                status=ReviewStatus.SUBMITTED,
                total=D(total),
            )
    unscored = factories.ApplicationFactory(
        call=call, title="戊", status=ApplicationStatus.UNDER_REVIEW
    )
    factories.ReviewAssignmentFactory(application=unscored, expert=experts[0])

    rows, columns = call_ranking(call)

    assert [row.application.title for row in rows] == ["甲", "乙", "丙", "丁", "戊"]
    assert [row.rank for row in rows] == [1, 2, 2, 4, None]
    assert [row.tied for row in rows] == [False, True, True, False, False]
    assert [row.disagreement for row in rows] == [False, False, False, True, False]
    assert rows[4].pending == 1
    assert [c.pk for c in columns] == sorted(
        (e.pk for e in experts), key=lambda pk: (next(e.name for e in experts if e.pk == pk), pk)
    )
    assert rows[0].scores == {e.pk: D(s) for e, s in zip(experts, [90, 92, 91], strict=True)}


@pytest.mark.django_db
def test_ranking_query_count_does_not_grow(django_assert_num_queries):
    def build(n):
        call = factories.CallFactory(in_review=True)
        for _ in range(n):
            application = factories.ApplicationFactory(
                call=call, status=ApplicationStatus.UNDER_REVIEW
            )
            factories.ReviewAssignmentFactory.create_batch(
                3, application=application, status=ReviewStatus.SUBMITTED, total=D("80")
            )
        return call

    small, large = build(1), build(5)
    with django_assert_num_queries(2):
        call_ranking(small)
    with django_assert_num_queries(2):
        call_ranking(large)


@pytest.mark.django_db
def test_ranking_rows_list_their_assigned_experts_by_name_without_conflicts():
    call = factories.CallFactory(in_review=True)
    application = factories.ApplicationFactory(call=call, status=ApplicationStatus.UNDER_REVIEW)
    other = factories.ApplicationFactory(call=call, status=ApplicationStatus.UNDER_REVIEW)
    names = {"丙": ReviewStatus.SUBMITTED, "甲": ReviewStatus.DRAFT, "乙": ReviewStatus.CONFLICT}
    experts = {}
    for name, status in names.items():
        experts[name] = factories.ExpertFactory(name=f"专家{name}")
        factories.ReviewAssignmentFactory(
            application=application, expert=experts[name], status=status, total=D("80")
        )
    factories.ReviewAssignmentFactory(
        application=other, expert=experts["丙"], status=ReviewStatus.SUBMITTED, total=D("70")
    )
    draft = factories.ApplicationFactory(call=call, status=ApplicationStatus.DRAFT)
    factories.ReviewAssignmentFactory(application=draft, expert=factories.ExpertFactory())

    rows, columns = call_ranking(call)

    by_title = {row.application.title: row for row in rows}
    assert set(by_title) == {application.title, other.title}
    row = by_title[application.title]
    assert [e.name for e in row.experts] == sorted(["专家丙", "专家甲"])
    assert row.scores == {experts["丙"].pk: D("80")}
    assert row.pending == 1
    assert [e.name for e in by_title[other.title].experts] == ["专家丙"]
    # One column per expert with a non-conflict assignment in the ranked applications.
    assert sorted(c.pk for c in columns) == sorted([experts["丙"].pk, experts["甲"].pk])


@pytest.mark.django_db
def test_ranking_of_numbers_only_loads_the_applications_of_the_rows_asked_for(
    django_assert_num_queries,
):
    call = factories.CallFactory(in_review=True)
    for total in (70, 90, 80):
        factories.ReviewAssignmentFactory(
            application=factories.ApplicationFactory(
                call=call, status=ApplicationStatus.UNDER_REVIEW
            ),
            status=ReviewStatus.SUBMITTED,
            total=D(total),
        )
    full, _columns = call_ranking(call)

    with django_assert_num_queries(2):
        rows, _columns = call_ranking(call, applications=False)
    assert [row.application for row in rows] == [None, None, None]
    assert [(row.application_id, row.rank, row.stats) for row in rows] == [
        (row.application_id, row.rank, row.stats) for row in full
    ]
    with django_assert_num_queries(1):
        shown = ranking_load_applications(rows[1:])
        references = [row.application.reference for row in shown]  # needs the call
        applicants = [str(row.application.applicant) for row in shown]
    assert [row.application for row in shown] == [row.application for row in full[1:]]
    assert references == [row.application.reference for row in full[1:]]
    assert applicants == [str(row.application.applicant) for row in full[1:]]
    assert rows[0].application is None
