"""Reads that the portal's views share. Every queryset is scoped by the user asking."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .enums import BranchType, MemberStatus, OrgStatus, UnitGrade
from .models import Branch, Expert, Member, MemberUnit
from .rules import is_officer, is_secretariat

Organisation = Branch | MemberUnit


def organisations_visible_to(user, model: type[Organisation]) -> QuerySet:
    """The branches (or member units) this user may open in the portal.

    Secretariat staff see all of them; an officer sees only the one they are bound to;
    everybody else sees none.
    """
    queryset = model.objects.all()
    if is_secretariat(user):
        return queryset
    if is_officer(user):
        own_id = user.branch_id if model is Branch else user.member_unit_id
        if own_id is not None:
            return queryset.filter(pk=own_id)
    return queryset.none()


def organisation_members(organisation: Organisation, *, search: str = "") -> QuerySet:
    """Members of a branch (through Member.branches) or employed by a member unit."""
    if isinstance(organisation, Branch):
        members = Member.objects.filter(branches=organisation)
    else:
        members = Member.objects.filter(employer=organisation)
    search = search.strip()
    if search:
        members = members.filter(Q(name__icontains=search) | Q(member_number__icontains=search))
    return members.select_related("employer").order_by("member_number")


def organisation_member_count(organisation: Organisation) -> int:
    """How many organisation_members(organisation) lists. A branch's members are counted
    on the link table alone: joining each link to its member (always there) read every
    member row (8 ms for 2,500 of 20,000 members, against 0.6 ms)."""
    if isinstance(organisation, Branch):
        return Member.branches.through.objects.filter(branch=organisation).count()
    return organisation_members(organisation).count()


def member_record_for(user) -> Member | None:
    return (
        Member.objects.filter(user=user)
        .select_related("employer")
        .prefetch_related("branches", "expertise")
        .first()
    )


def expert_profile_for(user) -> Expert | None:
    return (
        Expert.objects.filter(user=user)
        .select_related("affiliation")
        .prefetch_related("expertise")
        .first()
    )


@dataclass(frozen=True)
class LabelledCount:
    label: str
    count: int


@dataclass(frozen=True)
class RegistrySummary:
    branches_by_type: list[LabelledCount]
    units_by_grade: list[LabelledCount]
    active_branches: int
    branches_with_party_group: int
    active_units: int
    active_members: int
    active_experts: int

    @property
    def party_group_percent(self) -> int | None:
        """Share of active branches that have a 党小组, in whole per cent."""
        if not self.active_branches:
            return None
        return round(100 * self.branches_with_party_group / self.active_branches)


def _counts_by(queryset: QuerySet, field: str, choices) -> list[LabelledCount]:
    """One row per choice (zero included), in the order the choices are declared."""
    counts = dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())
    return [
        LabelledCount(label=choice.label, count=counts.get(choice.value, 0)) for choice in choices
    ]


def registry_summary() -> RegistrySummary:
    """Counts of the registry for the secretariat and leadership home pages (5 queries)."""
    active_branches = Branch.objects.filter(status=OrgStatus.ACTIVE)
    active_units = MemberUnit.objects.filter(status=OrgStatus.ACTIVE)
    branch_totals = active_branches.aggregate(
        total=Count("pk"), with_party_group=Count("pk", filter=Q(party_group=True))
    )
    units_by_grade = _counts_by(active_units, "grade", UnitGrade)
    return RegistrySummary(
        branches_by_type=_counts_by(active_branches, "branch_type", BranchType),
        units_by_grade=units_by_grade,
        active_branches=branch_totals["total"],
        branches_with_party_group=branch_totals["with_party_group"],
        active_units=sum(row.count for row in units_by_grade),
        active_members=Member.objects.filter(status=MemberStatus.ACTIVE).count(),
        active_experts=Expert.objects.filter(active=True).count(),
    )
