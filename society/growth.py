"""个人成长足迹: one member's timeline, gathered from what the platform already holds.

A fixed number of queries per member, whatever the length of the record.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEntry, GrowthEntry, Member, MembershipPeriod


@dataclass
class Milestone:
    day: datetime.date
    kind: str
    title: str
    detail: str = ""
    own: bool = False  # added by the member (with evidence), not gathered


def _day(moment) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        return timezone.localdate(moment)
    return moment


def growth_record(member: Member) -> list[Milestone]:
    """Every milestone of the member, newest first."""
    from awards.enums import AwardStatus
    from awards.models import Award
    from kpis.enums import RecordStatus
    from kpis.models import Record
    from projects.enums import ReviewStatus
    from projects.models import ReviewAssignment, TeamMember

    items = [
        Milestone(
            member.joined_on,
            _("入会"),
            _("加入四川省土木建筑学会"),
            _("会员编号 %(n)s") % {"n": member.member_number},
        )
    ]
    for period in MembershipPeriod.objects.filter(member=member):
        items.append(
            Milestone(
                period.starts_on,
                _("会籍"),
                _("会籍期 %(start)s 至 %(end)s")
                % {"start": period.starts_on, "end": period.ends_on},
                period.get_grade_display(),
            )
        )
    grades = dict(type(member)._meta.get_field("grade").choices)
    for entry in AuditEntry.objects.filter(
        content_type__app_label="society",
        content_type__model="member",
        object_id=str(member.pk),
        action="society.member.updated",
    ).only("created_at", "data"):
        change = (entry.data or {}).get("changes", {}).get("grade")
        if change:
            items.append(
                Milestone(
                    _day(entry.created_at),
                    _("会员等级"),
                    _("会员等级变更为%(grade)s") % {"grade": grades.get(change[1], change[1])},
                )
            )
    roles = TeamMember.objects.filter(member=member).select_related("application__call")
    application_ids = []
    for role in roles:
        application = role.application
        application_ids.append(application.pk)
        items.append(
            Milestone(
                _day(application.submitted_at or application.created_at),
                _("项目"),
                application.title,
                _("%(role)s · %(status)s")
                % {"role": role.role, "status": application.get_status_display()},
            )
        )
    for award in Award.objects.filter(
        application_id__in=application_ids, status=AwardStatus.CONFIRMED
    ).select_related("application"):
        items.append(
            Milestone(
                _day(award.confirmed_at or award.created_at),
                _("奖励"),
                _("获得创建一流科技社团培育奖励：%(title)s") % {"title": award.application.title},
                _("证书编号 %(n)s") % {"n": award.certificate_number},
            )
        )
    expert = getattr(member, "expert", None)
    if expert is not None:
        for review in ReviewAssignment.objects.filter(
            expert=expert, status=ReviewStatus.SUBMITTED
        ).select_related("application__call"):
            items.append(
                Milestone(
                    _day(review.submitted_at),
                    _("评审"),
                    _("评审申报项目：%(title)s") % {"title": review.application.title},
                    str(review.application.call),
                )
            )
    for record in Record.objects.filter(
        participants=member, status=RecordStatus.VERIFIED
    ).select_related("indicator"):
        items.append(
            Milestone(record.occurred_on, record.indicator.name[:20], record.title, record.category)
        )
    for entry in GrowthEntry.objects.filter(member=member):
        items.append(
            Milestone(entry.occurred_on, _("个人记录"), entry.title, entry.description, own=True)
        )
    items.sort(key=lambda item: item.day, reverse=True)
    return items


def by_year(items: list[Milestone]) -> list[tuple[int, list[Milestone]]]:
    years = defaultdict(list)
    for item in items:
        years[item.day.year].append(item)
    return sorted(years.items(), reverse=True)
