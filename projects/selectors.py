"""Reads that views share: scoped lists and the ranking."""

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from society.enums import Role
from society.models import Expert, User
from society.rules import is_secretariat

from .enums import ApplicationStatus as S
from .enums import ReviewStatus
from .models import Application, Call, ReviewAssignment

TWO_PLACES = Decimal("0.01")
TRIM_FROM = 5  # drop the highest and lowest score when there are at least this many


def applications_for(user: User) -> QuerySet[Application]:
    """The applications a user may open in the portal; everything else is a 404."""
    base = Application.objects.select_related("call", "branch", "member_unit", "field")
    if is_secretariat(user):
        return base
    if user.role == Role.OFFICER:
        if user.branch_id:
            return base.filter(branch_id=user.branch_id)
        return base.filter(member_unit_id=user.member_unit_id)
    if user.role == Role.EXPERT:
        return base.filter(
            assignments__expert__user=user,
            assignments__status__in=[
                ReviewStatus.ASSIGNED,
                ReviewStatus.DRAFT,
                ReviewStatus.SUBMITTED,
            ],
        ).distinct()
    return base.none()


def assignments_for(user: User) -> QuerySet[ReviewAssignment]:
    """An expert's own assignments (conflicts declared are no longer theirs)."""
    return (
        ReviewAssignment.objects.filter(expert__user=user)
        .exclude(status=ReviewStatus.CONFLICT)
        .select_related(
            "application__call",
            "application__branch",
            "application__member_unit",
            "application__field",
        )
        .order_by("application__call__review_close_at", "application_id")
    )


# What the review list shows of each assignment; the rest of the wide rows stays in the
# database (the list's query took 4.1 ms with every column, 2.7 ms with these).
REVIEW_LIST_FIELDS = (
    "status",
    "application__title",
    "application__area",
    "application__call__year",
    "application__call__title",
    "application__call__review_open_at",
    "application__call__review_close_at",
    "application__branch__name",
    "application__member_unit__name",
    "application__field__name",
)


def review_list_for(user: User) -> QuerySet[ReviewAssignment]:
    """The expert's assignments with only the columns the review list shows."""
    return assignments_for(user).only(*REVIEW_LIST_FIELDS)


def open_review_count(user: User) -> int:
    """How many of the expert's assignments still wait for scores (one query)."""
    return (
        ReviewAssignment.objects.filter(
            expert__user=user, status__in=[ReviewStatus.ASSIGNED, ReviewStatus.DRAFT]
        ).count()
        if user.is_authenticated
        else 0
    )


def _q(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class Aggregate:
    count: int
    mean: Decimal | None
    trimmed_mean: Decimal | None
    stdev: Decimal | None
    spread: Decimal | None


def aggregate(totals: list[Decimal]) -> Aggregate:
    """Mean, trimmed mean (highest and lowest dropped from 5 scores on), standard deviation
    (population) and spread (highest minus lowest) of the experts' weighted totals."""
    if not totals:
        return Aggregate(0, None, None, None, None)
    ordered = sorted(totals)
    kept = ordered[1:-1] if len(ordered) >= TRIM_FROM else ordered
    return Aggregate(
        count=len(totals),
        mean=_q(statistics.fmean(ordered)),
        trimmed_mean=_q(statistics.fmean(kept)),
        stdev=_q(statistics.pstdev(ordered)),
        spread=_q(ordered[-1] - ordered[0]),
    )


@dataclass
class RankingRow:
    application_id: int
    # None until loaded when call_ranking is asked for the numbers only.
    application: Application | None
    scores: dict[int, Decimal]  # expert id -> weighted total
    stats: Aggregate
    pending: int
    disagreement: bool
    rank: int | None = None
    tied: bool = False
    comments: list[tuple[str, str]] = field(default_factory=list)
    # The experts assigned to the application (conflicts of interest left out), by name.
    experts: list[Expert] = field(default_factory=list)


RANKED_STATES = [
    S.UNDER_REVIEW,
    S.REVIEWED,
    S.PUBLICIZED,
    S.AWARDED,
    S.NOT_AWARDED,
    S.IN_PROGRESS,
    S.INSPECTION,
    S.FINAL_SUBMITTED,
    S.ACCEPTED,
    S.FAILED,
    S.ARCHIVED,
]


def call_ranking(call: Call, *, applications: bool = True) -> tuple[list[RankingRow], list[Expert]]:
    """Applications of a call ranked by trimmed mean, with the experts as columns.

    Ties share a rank (1, 2, 2, 4). Applications without a submitted score come last,
    unranked. Two queries, whatever the size of the call: the applications, and the
    columns of their assignments the ranking reads (a call at demo scale 10 has some 2,600;
    model instances and a prefetch for each would cost more than the rest of the page).
    Each expert is one instance holding only the id and name, shared by every row.

    With applications=False the first query reads only the ids and each row's application
    is None: a page showing part of the ranking loads its rows' with
    ranking_load_applications.
    """
    ranked = call.applications.filter(status__in=RANKED_STATES).order_by("pk")
    if applications:
        loaded = {a.pk: a for a in ranked.select_related("branch", "member_unit")}
    else:
        loaded = dict.fromkeys(ranked.values_list("pk", flat=True))
    assignments = (
        ReviewAssignment.objects.filter(
            application__call=call, application__status__in=RANKED_STATES
        )
        .exclude(status=ReviewStatus.CONFLICT)
        .order_by("expert__name", "expert_id")
        .values_list("application_id", "expert_id", "expert__name", "status", "total", "comment")
    )
    by_application = {pk: [] for pk in loaded}
    experts = {}
    for application_id, expert_id, name, status, total, comment in assignments:
        expert = experts.get(expert_id)
        if expert is None:
            expert = experts[expert_id] = Expert.from_db(
                assignments.db, ["id", "name"], [expert_id, name]
            )
        if application_id in by_application:  # not one that changed state in between
            by_application[application_id].append((expert, status, total, comment))
    rows = []
    for application_id, application in loaded.items():
        scores = {}
        pending = 0
        comments = []
        assigned = []
        for expert, status, total, comment in by_application[application_id]:
            assigned.append(expert)
            if status == ReviewStatus.SUBMITTED:
                scores[expert.pk] = total
                comments.append((expert.name, comment))
            else:
                pending += 1
        stats = aggregate(list(scores.values()))
        rows.append(
            RankingRow(
                application_id=application_id,
                application=application,
                scores=scores,
                stats=stats,
                pending=pending,
                disagreement=stats.spread is not None
                and stats.spread > call.disagreement_threshold,
                comments=comments,
                experts=assigned,
            )
        )
    rows.sort(
        key=lambda r: (r.stats.trimmed_mean is None, -(r.stats.trimmed_mean or 0), r.application_id)
    )
    previous = None
    for position, row in enumerate(rows, start=1):
        if row.stats.trimmed_mean is None:
            break
        if previous is not None and row.stats.trimmed_mean == previous.stats.trimmed_mean:
            row.rank = previous.rank
            row.tied = previous.tied = True
        else:
            row.rank = position
        previous = row
    expert_columns = sorted(experts.values(), key=lambda e: (e.name, e.pk))
    return rows, expert_columns


# What the ranking page shows of an application: its reference (call year and id), title
# and applicant.
RANKING_PAGE_FIELDS = ("title", "call__year", "branch__name", "member_unit__name")


def ranking_load_applications(rows: list[RankingRow]) -> list[RankingRow]:
    """Load the applications (with the call and the applicant) of some rows of call_ranking(...,
    applications=False) in one query; rows whose application has gone are left out. Only the
    columns the ranking page shows are read (12.3 -> 3.5 ms for 100 rows at scale 10)."""
    applications = (
        Application.objects.select_related("call", "branch", "member_unit")
        .only(*RANKING_PAGE_FIELDS)
        .in_bulk([row.application_id for row in rows])
    )
    for row in rows:
        row.application = applications.get(row.application_id)
    return [row for row in rows if row.application is not None]
