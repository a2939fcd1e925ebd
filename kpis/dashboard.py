"""Reads behind the leadership dashboard: indicator rows grouped by area, and the data of its
charts (trend, contributions, award pipeline, pool).

Every function here runs a fixed number of aggregate queries, whatever the amount of data.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from awards.enums import AwardStatus
from awards.models import Award
from projects.enums import ApplicationStatus
from projects.models import Application, Call
from society.enums import MemberStatus, OrgStatus
from society.models import Branch, Member, StaffMember

from .enums import Area, Measure, OutreachChannel, ProgressStatus, RecordStatus
from .models import (
    Indicator,
    IndicatorSnapshot,
    Outreach,
    ProgrammeYear,
    Record,
    SatisfactionResponse,
)
from .selectors import IndicatorProgress, elapsed_share, verified_records, year_progress

STATUS_COLOURS = {
    ProgressStatus.DONE: "success",
    ProgressStatus.ON_TRACK: "primary",
    ProgressStatus.BEHIND: "warning",
    ProgressStatus.AT_RISK: "danger",
}
TOP_CONTRIBUTORS = 10


def number(value: Decimal) -> str:
    """75.00 → "75", 66.67 → "66.67" (no exponent, no trailing zeros)."""
    return f"{Decimal(value).normalize():f}"


def value_display(progress: IndicatorProgress) -> str:
    """The indicator's value as leadership reads it: 12项, 75%, 第41名, 已完成, 3/5."""
    indicator, value = progress.indicator, progress.value
    if progress.covered is not None:
        return f"{len(progress.covered)}/{len(indicator.categories)}"
    if value is None:
        return _("未填报")
    if indicator.measure == Measure.RATIO:
        return f"{number(value)}%"
    if indicator.measure == Measure.RANK:
        return _("第%(n)s名") % {"n": number(value)}
    if indicator.measure == Measure.MILESTONE:
        return pgettext("milestone", "已完成") if value >= 1 else pgettext("milestone", "未完成")
    return f"{number(value)}{indicator.unit}"


@dataclass
class IndicatorRow:
    """One line of the dashboard: an indicator's value, target, progress and status."""

    result: IndicatorProgress

    @property
    def indicator(self) -> Indicator:
        return self.result.indicator

    @property
    def value(self) -> str:
        return value_display(self.result)

    @property
    def progress(self) -> Decimal:
        return self.result.progress

    @property
    def progress_step(self) -> int:
        """The progress rounded down to a 5 % step, for the bar's width class."""
        return min(100, int(self.result.progress) // 5 * 5)

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def status_label(self) -> str:
        return ProgressStatus(self.result.status).label

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.result.status]

    @property
    def missing(self) -> list[str]:
        return self.result.missing


@dataclass
class AreaGroup:
    area: str
    label: str
    rows: list[IndicatorRow] = field(default_factory=list)

    @property
    def progress(self) -> Decimal:
        """The average progress of the area's indicators."""
        if not self.rows:
            return Decimal("0.00")
        total = sum(row.progress for row in self.rows)
        return (total / len(self.rows)).quantize(Decimal("0.01"))

    @property
    def progress_step(self) -> int:
        return min(100, int(self.progress) // 5 * 5)


def dashboard_years() -> list[int]:
    """The years that have indicators, newest first."""
    return list(Indicator.objects.order_by("-year").values_list("year", flat=True).distinct())


def default_year(years: list[int]) -> int | None:
    """The latest year with verified records (a year just opened shows nothing yet, so the
    last one with results comes first); else the latest programme year; else the latest."""
    with_data = (
        Record.objects.filter(indicator__year__in=years, status=RecordStatus.VERIFIED)
        .order_by("-indicator__year")
        .values_list("indicator__year", flat=True)
        .first()
    )
    if with_data:
        return with_data
    latest = ProgrammeYear.objects.filter(year__in=years).values_list("year", flat=True).first()
    return latest or (years[0] if years else None)


def area_groups(results: list[IndicatorProgress]) -> list[AreaGroup]:
    groups = {area: AreaGroup(area=area, label=str(area.label)) for area in Area}
    for result in results:
        groups[result.indicator.area].rows.append(IndicatorRow(result))
    return list(groups.values())


def status_counts(results: list[IndicatorProgress]) -> list[dict]:
    return [
        {
            "status": status,
            "label": str(status.label),
            "colour": STATUS_COLOURS[status],
            "count": sum(1 for r in results if r.status == status),
        }
        for status in ProgressStatus
    ]


def _day(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def trend(year: int) -> dict:
    """Average progress per report of the year, overall and per area (one query)."""
    rows = (
        IndicatorSnapshot.objects.filter(report__year=year)
        .values("report_id", "report__as_of", "indicator__area")
        .annotate(average=Avg("progress"), n=Count("pk"))
        .order_by("report__as_of", "report_id", "indicator__area")
    )
    moments, per_area, overall = [], {area: {} for area in Area}, {}
    for row in rows:
        report = row["report_id"]
        if report not in overall:
            moments.append((report, row["report__as_of"]))
            overall[report] = [Decimal(0), 0]
        per_area[row["indicator__area"]][report] = row["average"]
        overall[report][0] += Decimal(row["average"]) * row["n"]
        overall[report][1] += row["n"]

    def point(moment, value):
        return [_day(moment), None if value is None else round(float(value), 2)]

    series = [
        {
            "name": _("全部指标"),
            "data": [point(m, overall[r][0] / overall[r][1]) for r, m in moments],
        }
    ]
    for area in Area:
        series.append(
            {
                "name": str(area.label),
                "data": [point(m, per_area[area].get(r)) for r, m in moments],
            }
        )
    return {"reports": [_day(m) for _r, m in moments], "series": series}


def contributions(year: int) -> dict:
    """The top branches and member units by the quantity of their verified records."""
    records = verified_records(year)

    def top(name_field):
        rows = (
            records.filter(**{f"{name_field}__isnull": False})
            .values(name_field, f"{name_field}__name")
            .annotate(total=Sum("quantity"), n=Count("pk"))
            .order_by("-total", f"{name_field}__name")[:TOP_CONTRIBUTORS]
        )
        return [
            {"name": row[f"{name_field}__name"], "value": row["total"], "records": row["n"]}
            for row in rows
        ]

    return {"branches": top("branch"), "units": top("member_unit")}


def application_pipeline(year: int) -> list[dict]:
    """Applications of the year's calls per state, in the life cycle's order (one query)."""
    counts = dict(
        Application.objects.filter(call__year=year)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [
        {"status": status, "name": str(status.label), "value": counts[status]}
        for status in ApplicationStatus
        if counts.get(status)
    ]


def pool_summary(year: int) -> dict:
    """The year's award places and fund (summed over its calls), committed and left, and the
    awards by state (two queries)."""
    calls = Call.objects.filter(year=year).aggregate(
        calls=Count("pk"),
        award_count=Coalesce(Sum(Coalesce("pool__award_count", "award_count")), 0),
        fund_total=Coalesce(Sum(Coalesce("pool__fund_total", "fund_total")), Decimal(0)),
        committed_count=Coalesce(Sum("pool__committed_count"), 0),
        committed_amount=Coalesce(Sum("pool__committed_amount"), Decimal(0)),
    )
    awards = Award.objects.filter(pool__call__year=year).aggregate(
        proposed=Count("pk", filter=Q(status=AwardStatus.PROPOSED)),
        confirmed=Count("pk", filter=Q(status=AwardStatus.CONFIRMED)),
        paid=Count("pk", filter=Q(status=AwardStatus.CONFIRMED, paid_amount=F("amount"))),
        paid_amount=Coalesce(Sum("paid_amount"), Decimal(0)),
    )
    return {
        **calls,
        **awards,
        "places_left": calls["award_count"] - calls["committed_count"],
        "money_left": calls["fund_total"] - calls["committed_amount"],
    }


def chart_data(
    groups: list[AreaGroup], trend_data: dict, contrib: dict, pipeline: list, pool: dict
) -> dict:
    """Everything dashboard.js draws, with its labels translated here (json_script)."""
    return {
        "labels": {
            "progress": _("平均完成率（%）"),
            "records": _("已核实数量"),
            "applications": _("申报数"),
            "committed": _("已占用经费"),
            "left": _("剩余经费"),
            "awards": _("奖励数"),
            "yuan": _("元"),
        },
        "areas": [{"name": g.label, "value": float(g.progress)} for g in groups],
        "trend": trend_data,
        "contributions": contrib,
        "pipeline": [{"name": p["name"], "value": p["value"]} for p in pipeline],
        "pool": {
            "money": [
                {"name": _("已占用经费"), "value": float(pool["committed_amount"])},
                {"name": _("剩余经费"), "value": float(pool["money_left"])},
            ],
            "awards": [
                {"name": str(AwardStatus.PROPOSED.label), "value": pool["proposed"]},
                {"name": str(AwardStatus.CONFIRMED.label), "value": pool["confirmed"]},
                {"name": _("已拨付"), "value": pool["paid"]},
            ],
        },
    }


def dashboard(year: int, today: datetime.date | None = None) -> dict:
    """The dashboard's whole context for one programme year."""
    today = today or timezone.localdate()
    results = year_progress(year, today)
    groups = area_groups(results)
    trend_data = trend(year)
    contrib = contributions(year)
    pipeline = application_pipeline(year)
    pool = pool_summary(year)
    period = ProgrammeYear.objects.filter(year=year).first()
    return {
        "period": period,
        "elapsed": number((elapsed_share(period, today) * 100).quantize(Decimal("1"))),
        "groups": groups,
        "status_counts": status_counts(results),
        "indicator_count": len(results),
        "trend": trend_data,
        "trend_rows": [
            (moment, [series["data"][i][1] for series in trend_data["series"]])
            for i, moment in enumerate(trend_data["reports"])
        ],
        "contributions": contrib,
        "pipeline": pipeline,
        "pool": pool,
        "data": chart_data(groups, trend_data, contrib, pipeline, pool),
    }


# ---------------------------------------------------------------------------
# Drill-down of the indicators computed from the registry and member services.


def party_group_detail() -> dict:
    branches = list(Branch.objects.filter(status=OrgStatus.ACTIVE).order_by("branch_type", "name"))
    return {
        "with_group": [b for b in branches if b.party_group],
        "without_group": [b for b in branches if not b.party_group],
    }


def staff_detail() -> dict:
    today = timezone.localdate()
    return {
        "staff": list(
            StaffMember.objects.filter(
                Q(left_on__isnull=True) | Q(left_on__gt=today), full_time=True
            ).order_by("started_on", "pk")
        )
    }


def outreach_detail(year: int) -> dict:
    active = Member.objects.filter(status=MemberStatus.ACTIVE).count()
    contacts = Outreach.objects.filter(contacted_on__year=year, member__status=MemberStatus.ACTIVE)
    reached = contacts.values("member").distinct().count()
    per_channel = dict(
        contacts.values("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    return {
        "active_members": active,
        "reached": reached,
        "not_reached": max(active - reached, 0),
        "channels": [
            {"label": channel.label, "count": per_channel.get(channel, 0)}
            for channel in OutreachChannel
        ],
        "contacts": sum(per_channel.values()),
    }


def satisfaction_detail(year: int) -> dict:
    answers = SatisfactionResponse.objects.filter(
        record__indicator__year=year, record__status=RecordStatus.VERIFIED
    )
    per_rating = dict(answers.values("rating").annotate(n=Count("pk")).values_list("rating", "n"))
    services = (
        answers.values(
            "record_id",
            "record__title",
            "record__branch__name",
            "record__member_unit__name",
        )
        .annotate(
            n=Count("pk"),
            average=Avg("rating"),
            good=Count("pk", filter=Q(rating__gte=SatisfactionResponse.GOOD_FROM)),
        )
        .order_by("record__title", "record_id")
    )
    return {
        "ratings": [
            {"rating": rating, "count": per_rating.get(rating, 0)} for rating in range(5, 0, -1)
        ],
        "total": sum(per_rating.values()),
        "good": sum(
            n for rating, n in per_rating.items() if rating >= SatisfactionResponse.GOOD_FROM
        ),
        "services": [
            {
                "title": row["record__title"],
                "organisation": row["record__branch__name"] or row["record__member_unit__name"],
                "count": row["n"],
                "average": Decimal(row["average"]).quantize(Decimal("0.01")),
                "good": row["good"],
            }
            for row in services
        ],
    }
