"""Indicator values computed from the records behind them, with aggregate queries only.

`year_progress(year, today)` returns one IndicatorProgress per indicator of the year, in a
fixed number of queries whatever the number of records.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from society.enums import MemberStatus, OrgStatus
from society.models import Branch, Member, StaffMember

from .enums import Basis, Comparator, Measure, ProgressStatus, RecordStatus
from .models import Indicator, Outreach, ProgrammeYear, Record, SatisfactionResponse

HUNDRED = Decimal("100")
TWO = Decimal("0.01")
# Progress at least this share of the time elapsed is 正常; at least BEHIND_FROM is 滞后.
ON_TRACK_FROM = Decimal("0.9")
BEHIND_FROM = Decimal("0.6")


@dataclass
class IndicatorProgress:
    indicator: Indicator
    value: Decimal | None  # None: nothing to show yet (a rank never reported)
    progress: Decimal  # 0-100, percent of the target reached
    status: str
    covered: list[str] | None = None  # coverage indicators: the categories covered
    record_count: int = 0

    @property
    def missing(self) -> list[str]:
        if self.covered is None:
            return []
        return [c for c in self.indicator.categories if c not in self.covered]


def _q(value) -> Decimal:
    return Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


def _ratio(part: int, whole: int) -> Decimal:
    return _q(Decimal(part) * HUNDRED / whole) if whole else Decimal("0.00")


def progress_of(indicator: Indicator, value: Decimal | None) -> Decimal:
    """Percent of the target reached, 0-100."""
    target = indicator.target
    if value is None:
        return Decimal("0.00")
    if indicator.comparator == Comparator.DONE:
        return HUNDRED if value >= 1 else Decimal("0.00")
    if indicator.comparator in (Comparator.LTE, Comparator.RANK_LTE):
        if value <= target:
            return HUNDRED
        return _q(target * HUNDRED / value) if value else HUNDRED
    if not target:
        return HUNDRED
    return min(HUNDRED, _q(value * HUNDRED / target))


def elapsed_share(period: ProgrammeYear | None, today: datetime.date) -> Decimal:
    if period is None:
        return Decimal("1")
    total = (period.ends_on - period.starts_on).days
    done = (min(max(today, period.starts_on), period.ends_on) - period.starts_on).days
    return Decimal(done) / Decimal(total)


def status_of(progress: Decimal, elapsed: Decimal) -> str:
    """已完成 at 100 %; otherwise progress compared with the share of the period elapsed."""
    if progress >= HUNDRED:
        return ProgressStatus.DONE
    if elapsed >= 1:
        return ProgressStatus.AT_RISK
    expected = elapsed * HUNDRED
    if progress >= expected * ON_TRACK_FROM:
        return ProgressStatus.ON_TRACK
    if progress >= expected * BEHIND_FROM:
        return ProgressStatus.BEHIND
    return ProgressStatus.AT_RISK


def verified_records(year: int, as_of: datetime.datetime | None = None):
    """The records that count; with `as_of`, only those verified by then."""
    records = Record.objects.filter(indicator__year=year, status=RecordStatus.VERIFIED)
    if as_of is not None:  # records verified without a time (imports of old data) count
        records = records.filter(Q(verified_at__lte=as_of) | Q(verified_at__isnull=True))
    return records


def _registry_values(
    year: int, bases: set[str], as_of: datetime.datetime | None
) -> dict[str, tuple[Decimal, int]]:
    """Values of the indicators computed from the registry and member services."""
    values = {}
    if Basis.BRANCH_PARTY_GROUPS in bases:
        branches = Branch.objects.filter(status=OrgStatus.ACTIVE).aggregate(
            total=Count("pk"), with_group=Count("pk", filter=Q(party_group=True))
        )
        values[Basis.BRANCH_PARTY_GROUPS] = (
            _ratio(branches["with_group"], branches["total"]),
            branches["with_group"],
        )
    if Basis.FULLTIME_STAFF in bases:
        today = timezone.localdate()
        count = StaffMember.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gt=today), full_time=True
        ).count()
        values[Basis.FULLTIME_STAFF] = (Decimal(count), count)
    if Basis.MEMBER_OUTREACH in bases:
        active = Member.objects.filter(status=MemberStatus.ACTIVE).count()
        reached = (
            Outreach.objects.filter(
                contacted_on__year=year,
                contacted_on__lte=timezone.localdate(as_of) if as_of else datetime.date.max,
                member__status=MemberStatus.ACTIVE,
            )
            .values("member")
            .distinct()
            .count()
        )
        values[Basis.MEMBER_OUTREACH] = (_ratio(reached, active), reached)
    if Basis.SATISFACTION in bases:
        answers = SatisfactionResponse.objects.filter(
            record__in=verified_records(year, as_of),
            created_at__lte=as_of or timezone.now(),
        ).aggregate(
            total=Count("pk"),
            good=Count("pk", filter=Q(rating__gte=SatisfactionResponse.GOOD_FROM)),
        )
        values[Basis.SATISFACTION] = (_ratio(answers["good"], answers["total"]), answers["total"])
    return values


def year_progress(
    year: int, today: datetime.date | None = None, *, as_of: datetime.datetime | None = None
) -> list[IndicatorProgress]:
    """Every indicator of the year. `as_of` freezes the records to those verified (and the
    outreach and ratings to those made) by then, so a report built later shows that moment."""
    today = today or (timezone.localdate(as_of) if as_of else timezone.localdate())
    indicators = list(Indicator.objects.filter(year=year).order_by("order", "code"))
    records = verified_records(year, as_of)
    # One grouped query gives both each indicator's total and the categories it covers.
    totals = {}
    categories = defaultdict(set)
    for row in (
        records.order_by()
        .values("indicator_id", "category")
        .annotate(total=Sum("quantity"), n=Count("pk"))
    ):
        indicator_id = row["indicator_id"]
        if indicator_id in totals:
            totals[indicator_id]["total"] += row["total"]
            totals[indicator_id]["n"] += row["n"]
        else:
            totals[indicator_id] = {"total": row["total"], "n": row["n"]}
        if row["category"]:
            categories[indicator_id].add(row["category"])
    latest_rank = {}
    rank_ids = [i.pk for i in indicators if i.measure == Measure.RANK]
    if rank_ids:
        for indicator_id, value in (
            records.filter(indicator_id__in=rank_ids, value__isnull=False)
            .order_by("indicator_id", "-occurred_on", "-pk")
            .values_list("indicator_id", "value")
        ):
            latest_rank.setdefault(indicator_id, value)
    registry = _registry_values(year, {i.basis for i in indicators}, as_of)
    elapsed = elapsed_share(ProgrammeYear.objects.filter(year=year).first(), today)

    results = []
    for indicator in indicators:
        row = totals.get(indicator.pk, {"total": 0, "n": 0})
        count = row["n"]
        covered = None
        if indicator.basis != Basis.RECORDS:
            value, count = registry[indicator.basis]
        elif indicator.measure == Measure.RANK:
            value = latest_rank.get(indicator.pk)
        elif indicator.measure == Measure.MILESTONE:
            value = Decimal(1 if row["n"] else 0)
        elif indicator.measure == Measure.COVERAGE and indicator.categories:
            covered = [c for c in indicator.categories if c in categories[indicator.pk]]
            value = Decimal(len(covered))
        else:
            value = Decimal(row["total"] or 0)
        if covered is not None:
            # Each category must be covered (e.g. both committees held a training).
            progress = _ratio(len(covered), len(indicator.categories))
        else:
            progress = progress_of(indicator, value)
        results.append(
            IndicatorProgress(
                indicator=indicator,
                value=value,
                progress=progress,
                status=status_of(progress, elapsed),
                covered=covered,
                record_count=count,
            )
        )
    return results
