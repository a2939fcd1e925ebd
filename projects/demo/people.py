"""Who applies and who reviews, with what the demo needs to know about them in memory."""

from collections import defaultdict
from dataclasses import dataclass

from society.demo import SENIOR_TITLES
from society.enums import BranchType, MemberStatus, OrgStatus, Role
from society.models import Branch, Expert, Member, MemberUnit, User

from ..models import Application
from .texts import BRANCH_FIELDS, BRANCH_THEMES, UNIT_FIELDS, UNIT_THEMES


@dataclass
class Applicant:
    branch: Branch | None
    unit: MemberUnit | None
    short: str
    themes: dict[str, int]
    field_code: str
    people: list[Member]  # active members who can sit on the team, seniors first
    officer: User | None  # the demo officer, if any
    contact: str  # who signs for an applicant without a demo officer

    @property
    def name(self) -> str:
        return (self.branch or self.unit).name

    @property
    def signer(self) -> str:
        """Who acts for an applicant that has no demo officer: its liaison."""
        return f"{self.contact}（{self.short}）"

    @property
    def ids(self) -> dict:
        return {
            "branch_id": self.branch.pk if self.branch else None,
            "member_unit_id": self.unit.pk if self.unit else None,
        }


def branch_key(branch: Branch) -> str:
    if branch.branch_type == BranchType.LOCAL:
        return "local"
    return branch.name.removesuffix("专业委员会").removesuffix("工作委员会")


def short_name(organisation: Branch | MemberUnit) -> str:
    """建筑结构专委会, 成都市土建学会, 蜀安建工集团: how an organisation names itself in a title."""
    name = organisation.name
    if isinstance(organisation, Branch):
        return (
            name.replace("专业委员会", "专委会")
            .replace("工作委员会", "工委")
            .replace("土木建筑学会", "土建学会")
        )
    for suffix in ("股份有限公司", "有限责任公司", "有限公司"):
        name = name.removesuffix(suffix)
    name = name.removeprefix("四川省").removeprefix("四川")
    city = name[:2]
    if len(name) > 6 and city in CITY_NAMES:
        name = name[2:].removeprefix("市")
    return name


CITY_NAMES = (
    "成都",
    "绵阳",
    "德阳",
    "宜宾",
    "南充",
    "乐山",
    "泸州",
    "自贡",
    "遂宁",
    "眉山",
    "达州",
)


def build_applicants(*, branches, units, members, users) -> list[Applicant]:
    """Every active branch and member unit, with its people; branches first, in pk order."""
    active = [m for m in members if m.status == MemberStatus.ACTIVE]
    by_unit: dict[int, list[Member]] = defaultdict(list)
    for member in active:
        if member.employer_id:
            by_unit[member.employer_id].append(member)
    by_pk = {m.pk: m for m in active}
    by_branch: dict[int, list[Member]] = defaultdict(list)
    for member_id, branch_id in (
        Member.branches.through.objects.filter(member_id__in=list(by_pk))
        .order_by("member_id", "branch_id")
        .values_list("member_id", "branch_id")
    ):
        by_branch[branch_id].append(by_pk[member_id])

    def seniors_first(people):
        return sorted(people, key=lambda m: (m.title not in SENIOR_TITLES, m.member_number))

    officers = {(u.branch_id, u.member_unit_id): u for u in users if u.role == Role.OFFICER}
    applicants = []
    for branch in branches:
        if branch.status != OrgStatus.ACTIVE:
            continue
        key = branch_key(branch)
        applicants.append(
            Applicant(
                branch=branch,
                unit=None,
                short=short_name(branch),
                themes=BRANCH_THEMES[key],
                field_code=BRANCH_FIELDS[key],
                people=seniors_first(by_branch[branch.pk]),
                officer=officers.get((branch.pk, None)),
                contact=branch.contact_person,
            )
        )
    for unit in units:
        if unit.status != OrgStatus.ACTIVE:
            continue
        applicants.append(
            Applicant(
                branch=None,
                unit=unit,
                short=short_name(unit),
                themes=UNIT_THEMES[unit.unit_type],
                field_code=UNIT_FIELDS[unit.unit_type],
                people=seniors_first(by_unit[unit.pk]),
                officer=officers.get((None, unit.pk)),
                contact=unit.liaison_name,
            )
        )
    return applicants


@dataclass
class ExpertInfo:
    expert: Expert
    expertise: set[int]
    avoid: set[int]
    offices: set[int]
    employer_id: int | None  # the employer of the member record behind the expert
    leniency: float = 0.0

    @property
    def pk(self) -> int:
        return self.expert.pk

    def conflicts_with(self, application: Application) -> bool:
        """The rules of projects.services.conflict_reason, without queries."""
        unit = application.member_unit_id
        if unit and (
            self.expert.affiliation_id == unit or self.employer_id == unit or unit in self.avoid
        ):
            return True
        return bool(application.branch_id and application.branch_id in self.offices)


def expert_infos(experts: list[Expert], members: list[Member], rng) -> list[ExpertInfo]:
    ids = [e.pk for e in experts]
    relations = {}
    for name, model_field in (
        ("expertise", "expertisearea_id"),
        ("avoid_units", "memberunit_id"),
        ("office_branches", "branch_id"),
    ):
        through = getattr(Expert, name).through
        pairs: dict[int, set[int]] = defaultdict(set)
        for expert_id, other_id in through.objects.filter(expert_id__in=ids).values_list(
            "expert_id", model_field
        ):
            pairs[expert_id].add(other_id)
        relations[name] = pairs
    employers = {m.pk: m.employer_id for m in members}
    infos = []
    for expert in sorted(experts, key=lambda e: e.pk):
        if not expert.active:
            continue
        infos.append(
            ExpertInfo(
                expert=expert,
                expertise=relations["expertise"][expert.pk],
                avoid=relations["avoid_units"][expert.pk],
                offices=relations["office_branches"][expert.pk],
                employer_id=employers.get(expert.member_id),
                leniency=rng.gauss(0, 2.5),
            )
        )
    return infos
