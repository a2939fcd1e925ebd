"""The mechanics: drafts of applications with their rows, history, reviews and scores,
written with bulk inserts."""

import datetime
import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis.enums import Area
from kpis.models import Indicator
from kpis.services import catalogue_copy
from society.audit import audit_entry
from society.demo import Generator
from society.models import AuditEntry, ExpertiseArea, Notification, User
from society.storage import get_private_storage

from ..enums import ApplicationStatus as S
from ..enums import AttachmentKind
from ..models import (
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    Call,
    Criterion,
    Milestone,
    PlannedOutput,
    ReviewAssignment,
    Score,
    TeamMember,
)
from .pdf import simple_pdf, wrap
from .people import Applicant, ExpertInfo, build_applicants, expert_infos
from .texts import (
    ADVICE,
    BUDGET_ITEMS,
    CRITERIA,
    LUMP_ITEMS,
    OTHER_TITLES,
    ROLES,
    STRENGTHS,
    THEMES,
    WEAKNESSES,
    WITHDRAW_REASONS,
    Theme,
    verdict,
)

TZ = ZoneInfo("Asia/Shanghai")
AWARD = Decimal("3000.00")
CATALOGUE_YEAR = 2023  # the indicator catalogue loaded by kpis' data migration
MAX_POINTS = Decimal("25.00")
# How far one expert's total may move to keep two applications from tying by accident.
NUDGES = [Decimal(step) for step in ("0", "0.5", "-0.5", "1", "-1", "1.5", "-1.5", "2", "-2")]


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in Beijing time."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


D = datetime.date


class Step(NamedTuple):
    """One move in an application's life cycle, as the audit log records it."""

    when: datetime.datetime
    verb: str  # an action of projects.services' TRANSITIONS
    source: str
    target: str
    reason: str = ""
    by_staff: bool = False


@dataclass
class Draft:
    """One application with everything that hangs from it, before and after insert."""

    application: Application
    applicant: Applicant
    theme: Theme
    created_at: datetime.datetime
    outputs: list[PlannedOutput] = field(default_factory=list)
    budget: list[BudgetLine] = field(default_factory=list)
    team: list[TeamMember] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    attachment: Attachment | None = None
    history: list["Step"] = field(default_factory=list)
    submissions: list[datetime.datetime] = field(default_factory=list)
    fate: str = ""  # what happens to it in its call
    returned: bool = False  # returned for changes once, so two versions were submitted


@dataclass
class ReviewRow:
    """One assignment before insert, with when staff made it and what the expert gave."""

    assignment: ReviewAssignment
    assigned_at: datetime.datetime
    points: list[Decimal] | None = None  # per criterion in rubric order; None: not scored


@dataclass
class CallSummary:
    call: Call
    states: Counter
    assignments: int
    awards: str = ""  # the pool, payments and objections, once awards were made

    def line(self) -> str:
        """One line of demo_data's report."""
        states = _("，").join(
            _("%(state)s %(count)d 项") % {"state": S(state).label, "count": count}
            for state, count in self.states.most_common()
        )
        line = _("《%(title)s》：申报 %(count)d 项（%(states)s），评审任务 %(assignments)d 条") % {
            "title": self.call.title,
            "count": sum(self.states.values()),
            "states": states,
            "assignments": self.assignments,
        }
        return f"{line}{_('；')}{self.awards}" if self.awards else line


class Builder:
    def __init__(self, *, seed: int, now: datetime.datetime, branches, units, members, experts):
        self.seed = seed
        self.gen = Generator(seed)
        self.rng = self.gen.rng
        self.now = now
        self.today = timezone.localtime(now, TZ).date()
        self.storage = get_private_storage()
        self.users = {
            u.username: u
            for u in User.objects.filter(
                username__in=["fenhui", "danwei", "zhuanjia", "mishuchu", "admin"]
            )
        }
        self.staff = self.users.get("mishuchu")
        self.applicants = build_applicants(
            branches=branches, units=units, members=members, users=self.users.values()
        )
        self.experts = expert_infos(experts, members, self.rng)
        zhuanjia = self.users.get("zhuanjia")
        self.zhuanjia = next(
            (e for e in self.experts if zhuanjia and e.expert.user_id == zhuanjia.pk), None
        )
        self.unit_names = {unit.pk: unit.name for unit in units}
        self.fields = {area.code: area for area in ExpertiseArea.objects.all()}
        self.criteria: dict[int, list[Criterion]] = {}
        self.audit: list[tuple] = []  # (when, entry)
        self.notifications: list[tuple] = []  # (when, Notification)
        self.summaries: list[CallSummary] = []

    # -- calls ---------------------------------------------------------------

    def make_call(self, **fields) -> Call:
        call = Call.objects.create(**fields)
        self.criteria[call.pk] = Criterion.objects.bulk_create(
            Criterion(call=call, name=name, description=description, max_points=MAX_POINTS, order=i)
            for i, (name, description) in enumerate(CRITERIA, start=1)
        )
        return call

    def indicators(self, year: int) -> dict[str, Indicator]:
        """The catalogue of a call's year; later years start as a copy of the 2023 targets."""
        if year != CATALOGUE_YEAR:
            catalogue_copy(from_year=CATALOGUE_YEAR, to_year=year)
        return {i.code: i for i in Indicator.objects.filter(year=year)}

    # -- applications ----------------------------------------------------------

    def pick_applicants(self, count: int, *, include=(), exclude=()) -> list[Applicant]:
        """`count` distinct applicants: those named in `include` first, the rest at random."""
        chosen = [a for a in self.applicants if a.name in include]
        rest = [a for a in self.applicants if a.name not in include and a.name not in exclude]
        chosen += self.rng.sample(rest, min(len(rest), max(0, count - len(chosen))))
        return chosen

    def draft(self, call: Call, applicant: Applicant, indicators, created_at) -> Draft:
        rng = self.rng
        themes, weights = zip(*applicant.themes.items(), strict=True)
        theme = THEMES[rng.choices(themes, weights=weights)[0]]
        title = f"{applicant.short}{rng.choice(theme.names)}{rng.choice(theme.kinds)}"
        field_code = theme.field or applicant.field_code
        n, people = rng.randint(3, 6), rng.choice([60, 80, 100, 120, 150, 200])
        measures = [m.format(n=n, people=people) for m in theme.measures]
        kept = sorted(rng.sample(range(len(measures)), rng.randint(3, 4)))
        steps = ["一是", "二是", "三是", "四是"]
        plan = "；".join(f"{steps[n]}{measures[i]}" for n, i in enumerate(kept)) + "。"
        plan += (
            "项目实行负责人制，建立工作台账，按月报送进展，"
            f"于{call.implementation_end:%Y年%m月%d日}前完成全部任务并报送工作总结和佐证材料。"
        )
        members = len(applicant.people)
        intro = (
            f"{applicant.name}现有会员{members}名，"
            if applicant.branch
            else f"{applicant.name}是学会{applicant.unit.get_grade_display()}，"
        )
        summary = (
            f"{intro}{theme.reason}本项目围绕{Area(theme.area).label}建设，"
            f"{measures[kept[0]]}，{measures[kept[1]]}。"
            f"项目实施后预期{theme.outputs[0][3]}，为学会创建一流科技社团提供支撑。"
        )
        application = Application(
            call=call,
            title=title[:200],
            area=theme.area,
            field=self.fields[field_code],
            summary=summary,
            plan=plan,
            status=S.DRAFT,
            created_by=applicant.officer,
            **applicant.ids,
        )
        draft = Draft(application, applicant, theme, created_at)
        for code, low, high, description in theme.outputs:
            draft.outputs.append(
                PlannedOutput(
                    indicator=indicators[code],
                    quantity=rng.randint(low, high),
                    description=description,
                )
            )
        draft.budget = self.budget()
        draft.team = self.team(applicant)
        draft.milestones = self.milestones(call, theme, created_at)
        return draft

    def budget(self) -> list[BudgetLine]:
        """Three to five lines summing to the award exactly, each with its working."""
        rng = self.rng
        items = sorted(rng.sample(range(len(BUDGET_ITEMS)), rng.randint(2, 4)))
        lines, total = [], 0
        for index in items:
            item, price, _unit, note = BUDGET_ITEMS[index]
            most = max(1, (int(AWARD) - 300 - total) // (len(items) - len(lines) + 1) // price)
            count = rng.randint(max(1, most * 2 // 3), most)
            total += count * price
            lines.append(
                BudgetLine(
                    item=item, amount=Decimal(count * price), note=note.format(n=count, p=price)
                )
            )
        item, note = rng.choice(LUMP_ITEMS)
        lines.append(BudgetLine(item=item, amount=AWARD - total, note=note))
        for line in lines:
            line.amount = line.amount.quantize(Decimal("0.01"))
        return lines

    def team(self, applicant: Applicant) -> list[TeamMember]:
        rng = self.rng
        size = rng.randint(3, 6)
        linked = []
        if applicant.people:  # the leader is a senior member; one or two others at random
            pool = applicant.people[1:]
            others = rng.sample(pool, min(len(pool), rng.randint(0, 2)))
            linked = [applicant.people[0], *others]
        team = []
        roles = ["项目负责人", *rng.sample(ROLES, len(ROLES))]
        for index in range(size):
            if index < len(linked):
                member = linked[index]
                name, title, member_id = member.name, member.get_title_display(), member.pk
                unit = self.unit_names.get(member.employer_id) or member.employer_name
            else:
                name = self.gen.name(self.gen.gender())
                member_id = None
                if applicant.branch:  # officers of a branch work for one of the units
                    titles = OTHER_TITLES["branch"]
                    unit = rng.choice(list(self.unit_names.values()))
                else:
                    titles = OTHER_TITLES.get(applicant.unit.unit_type, OTHER_TITLES["unit"])
                    unit = applicant.name
                title = rng.choice(titles)
            team.append(
                TeamMember(
                    name=name,
                    title=title,
                    unit=unit[:150],
                    role=roles[index % len(roles)],
                    member_id=member_id,
                )
            )
        return team

    def milestones(self, call: Call, theme: Theme, start: datetime.datetime) -> list[Milestone]:
        """Three or four dates between the end of review and the implementation end."""
        first = max(timezone.localtime(call.review_close_at, TZ).date(), start.date())
        end = call.implementation_end
        span = (end - first).days

        def day(fraction, jitter=5):
            offset = int(span * fraction) + self.rng.randint(-jitter, jitter)
            return first + datetime.timedelta(days=min(max(offset, 3), span - 3))

        steps = [
            (day(0.1), "项目启动，细化工作方案", "召开启动会，明确分工、进度和经费安排"),
            (day(0.45), *theme.checkpoint),
            (day(0.65), "接受学会中期检查", "报送中期进展情况和佐证材料"),
            (day(0.92, 2), "完成工作总结与佐证材料", "报送工作总结、经费使用情况和佐证材料"),
        ]
        if self.rng.random() < 0.3:
            del steps[2]
        return [Milestone(title=t, due_on=d, description=desc) for d, t, desc in steps]

    # -- states and history ----------------------------------------------------

    def move(self, draft: Draft, when, verb: str, target: str, reason="", *, by_staff=False):
        step = Step(when, verb, draft.application.status, target, reason, by_staff)
        draft.history.append(step)
        draft.application.status = target
        return step

    def submit(self, draft: Draft, when) -> None:
        self.move(draft, when, "submit", S.SUBMITTED)
        draft.submissions.append(when)

    def staff_act(self, draft: Draft, when, verb: str, target: str, reason: str = "") -> None:
        self.move(draft, when, verb, target, reason, by_staff=True)

    def withdraw(self, draft: Draft, when) -> None:
        self.move(draft, when, "withdraw", S.WITHDRAWN, self.rng.choice(WITHDRAW_REASONS))

    def moment(self, start: datetime.datetime, end: datetime.datetime, mode=None):
        """A working-hours moment between two others (mode: where they bunch up, 0..1)."""
        seconds = (end - start).total_seconds()
        fraction = self.rng.triangular(0, 1, mode) if mode is not None else self.rng.random()
        moment = timezone.localtime(start + datetime.timedelta(seconds=seconds * fraction), TZ)
        hour = min(max(moment.hour, 9), 17)
        return max(start, min(end, moment.replace(hour=hour, second=0, microsecond=0)))

    # -- saving ------------------------------------------------------------------

    def save(self, drafts: list[Draft]) -> None:
        for draft in drafts:
            app = draft.application
            app.version = 1 + len(draft.history)
            app.submitted_at = draft.submissions[-1] if draft.submissions else None
        applications = Application.objects.bulk_create([d.application for d in drafts])
        for draft, application in zip(drafts, applications, strict=True):
            application.created_at = draft.created_at
            application.updated_at = draft.history[-1].when if draft.history else draft.created_at
        Application.objects.bulk_update(applications, ["created_at", "updated_at"], batch_size=500)
        for name, model in (
            ("outputs", PlannedOutput),
            ("budget", BudgetLine),
            ("team", TeamMember),
            ("milestones", Milestone),
        ):
            rows = []
            for draft in drafts:
                for row in getattr(draft, name):
                    row.application = draft.application
                    rows.append(row)
            model.objects.bulk_create(rows, batch_size=2000)
        attachments = []
        for draft in drafts:
            if draft.submissions:
                draft.attachment = self.attachment(draft)
                attachments.append(draft.attachment)
        Attachment.objects.bulk_create(attachments)
        versions = []
        for draft in (d for d in drafts if d.submissions):
            data = [snapshot(draft)]
            if draft.returned:
                data.insert(0, earlier_version(draft))
            for number, (when, version) in enumerate(zip(draft.submissions, data, strict=True), 1):
                versions.append(
                    ApplicationVersion(
                        application=draft.application,
                        number=number,
                        data=version,
                        submitted_at=when,
                        submitted_by=draft.applicant.officer,
                    )
                )
        ApplicationVersion.objects.bulk_create(versions, batch_size=1000)
        for draft in drafts:
            self.log_history(draft)

    def attachment(self, draft: Draft) -> Attachment:
        """The signed application form as a small PDF, stored once per content."""
        app = draft.application
        content = application_pdf(draft)
        digest = hashlib.sha256(content).hexdigest()
        name = f"applications/demo/{digest}.pdf"
        if not self.storage.exists(name):
            self.storage.save(name, ContentFile(content))
        return Attachment(
            application=app,
            kind=AttachmentKind.APPLICATION,
            file=name,
            original_name=f"{draft.applicant.short}申报书（盖章版）.pdf",
            extension="pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=digest,
            description="加盖公章的申报书扫描件",
            uploaded_by=draft.applicant.officer,
        )

    def log_history(self, draft: Draft) -> None:
        """The audit entries projects.services would have written, dated when they happened.

        Applicants without a demo officer sign with their liaison's name.
        """
        app = draft.application
        entry = audit_entry(
            "projects.application.created",
            user=draft.applicant.officer,
            obj=app,
            data={"title": app.title},
        )
        entry.actor_repr = entry.actor_repr or draft.applicant.signer
        self.audit.append((draft.created_at, entry))
        for step in draft.history:
            self.log_step(draft, step)

    def log_step(self, draft: Draft, step: Step) -> None:
        entry = audit_entry(
            f"projects.application.{step.verb}",
            user=self.staff if step.by_staff else draft.applicant.officer,
            obj=draft.application,
            data={"from": str(step.source), "to": str(step.target), "reason": step.reason},
        )
        if not step.by_staff:
            entry.actor_repr = entry.actor_repr or draft.applicant.signer
        self.audit.append((step.when, entry))

    def review(self, application: Application, expert: ExpertInfo, assigned_at) -> "ReviewRow":
        assignment = ReviewAssignment(
            application=application, expert=expert.expert, assigned_by=self.staff
        )
        return ReviewRow(assignment, assigned_at)

    def save_reviews(self, rows: list["ReviewRow"]) -> None:
        ReviewAssignment.objects.bulk_create([row.assignment for row in rows], batch_size=1000)
        scores = []
        for row in rows:
            if row.points is not None:
                criteria = self.criteria[row.assignment.application.call_id]
                scores += [
                    Score(assignment=row.assignment, criterion=criterion, points=points)
                    for criterion, points in zip(criteria, row.points, strict=True)
                ]
        Score.objects.bulk_create(scores, batch_size=5000)
        for row in rows:
            row.assignment.created_at = row.assigned_at
            row.assignment.updated_at = row.assignment.submitted_at or row.assigned_at
        ReviewAssignment.objects.bulk_update(
            [row.assignment for row in rows], ["created_at", "updated_at"], batch_size=500
        )

    def flush_audit(self) -> None:
        self.audit.sort(key=lambda pair: pair[0])
        entries = AuditEntry.objects.bulk_create(
            [entry for _when, entry in self.audit], batch_size=2000
        )
        # The demo's history is written with the dates it happened on, in this transaction.
        for (when, _entry), saved in zip(self.audit, entries, strict=True):
            saved.created_at = when
        AuditEntry.objects.bulk_update(entries, ["created_at"], batch_size=500)
        self.notifications.sort(key=lambda pair: pair[0])
        notes = Notification.objects.bulk_create([note for _when, note in self.notifications])
        for (when, _note), saved in zip(self.notifications, notes, strict=True):
            saved.created_at = when
        Notification.objects.bulk_update(notes, ["created_at"])

    # -- experts -------------------------------------------------------------------

    def assign(self, drafts: list[Draft], wanted: dict[int, int], *, first=None) -> dict:
        """Experts per application: conflict-free, lightest load first, expertise next.

        `first` names (application pk -> expert) pairs to place before the rest.
        """
        load = Counter()
        total = sum(wanted.values())
        cap = math.ceil(total / max(1, len(self.experts)))
        tiebreak = {e.pk: self.rng.random() for e in self.experts}
        chosen: dict[int, list[ExpertInfo]] = defaultdict(list)
        for app_pk, expert in (first or {}).items():
            chosen[app_pk].append(expert)
            load[expert.pk] += 1
        for draft in drafts:
            app = draft.application
            taken = {e.pk for e in chosen[app.pk]}
            candidates = [
                e for e in self.experts if e.pk not in taken and not e.conflicts_with(app)
            ]
            candidates.sort(
                key=lambda e, a=app: (
                    load[e.pk] >= cap,
                    a.field_id not in e.expertise,
                    load[e.pk],
                    tiebreak[e.pk],
                )
            )
            for expert in candidates[: max(0, wanted[app.pk] - len(chosen[app.pk]))]:
                chosen[app.pk].append(expert)
                load[expert.pk] += 1
        return chosen

    def totals(self, quality: float, experts: list[ExpertInfo], disagree: bool) -> list[Decimal]:
        rng = self.rng
        totals = [
            half_points(min(97.0, max(45.0, quality + e.leniency + rng.gauss(0, 3))))
            for e in experts
        ]
        if disagree and len(totals) >= 3:  # one expert sees it quite differently
            index = rng.randrange(len(totals))
            others = [float(t) for i, t in enumerate(totals) if i != index]
            if quality > 70:
                outlier = max(30.0, min(others) - rng.uniform(21, 27))
            else:
                outlier = min(98.0, max(others) + rng.uniform(21, 27))
            totals[index] = half_points(outlier)
        return totals

    def split(self, total: Decimal, profile: list[float]) -> list[Decimal]:
        """Points per criterion (half points, 0..25) that add up to the total exactly."""
        weights = sum(profile)
        points = [min(MAX_POINTS, half_points(float(total) * p / weights)) for p in profile]
        step = Decimal("0.5")
        index = 0
        while sum(points) != total:
            gap = total - sum(points)
            i = index % len(points)
            if gap > 0 and points[i] + step <= MAX_POINTS:
                points[i] += step
            elif gap < 0 and points[i] - step >= 0:
                points[i] -= step
            index += 1
        return points

    def comment(self, points: list[Decimal], total: Decimal) -> str:
        names = [name for name, _description in CRITERIA]
        order = sorted(range(len(points)), key=lambda i: (points[i], i))
        best, second, worst = names[order[-1]], names[order[-2]], names[order[0]]
        text = f"{STRENGTHS[best]}；{STRENGTHS[second]}。"
        text += f"{WEAKNESSES[worst]}，{self.rng.choice(ADVICE)}。{verdict(total)}"
        return text


def half_points(value: float) -> Decimal:
    return (Decimal(round(value * 2)) / 2).quantize(Decimal("0.01"))


def snapshot(draft: Draft) -> dict:
    """What projects.services.application_snapshot returns, built without queries."""
    app = draft.application
    attachments = []
    if draft.attachment:
        attachments = [{"name": draft.attachment.original_name, "sha256": draft.attachment.sha256}]
    return {
        "title": app.title,
        "area": str(app.get_area_display()),
        "field": str(app.field),
        "summary": app.summary,
        "plan": app.plan,
        "outputs": [
            {"indicator": str(o.indicator), "quantity": o.quantity, "description": o.description}
            for o in draft.outputs
        ],
        "budget": [
            {"item": b.item, "amount": f"{b.amount:.2f}", "note": b.note} for b in draft.budget
        ],
        "team": [
            {"name": t.name, "title": t.title, "unit": t.unit, "role": t.role} for t in draft.team
        ],
        "milestones": [
            {"title": m.title, "due_on": m.due_on.isoformat(), "description": m.description}
            for m in draft.milestones
        ],
        "attachments": attachments,
    }


def earlier_version(draft: Draft) -> dict:
    """The version returned for changes: unsigned form, one output and one step fewer."""
    data = snapshot(draft)
    data["outputs"] = data["outputs"][:-1] or data["outputs"]
    data["plan"] = data["plan"].split("；")[0] + "。"
    data["attachments"] = [
        {
            "name": f"{draft.applicant.short}申报书.pdf",
            "sha256": hashlib.sha256(data["title"].encode()).hexdigest(),
        }
    ]
    return data


def application_pdf(draft: Draft) -> bytes:
    app = draft.application
    lines = [
        (18, "四川省土木建筑学会"),
        (15, f"{app.call.title}申报书"),
        (11, ""),
        *[(11, line) for line in wrap(f"项目名称：{app.title}", 42)],
        (11, f"申报单位：{draft.applicant.name}"),
        (11, f"能力领域：{app.get_area_display()}    专业领域：{app.field}"),
        (11, f"项目负责人：{draft.team[0].name}  {draft.team[0].title}"),
        (11, ""),
        *[(11, line) for line in wrap(f"项目简介：{app.summary}", 42)],
        (11, ""),
        *[(11, line) for line in wrap(f"具体方案：{app.plan}", 42)],
        (11, ""),
        (11, f"经费预算合计：{AWARD:,.2f} 元"),
        (11, ""),
        (11, "申报单位（盖章）                    年    月    日"),
        (9, "（演示数据，仅供平台演示）"),
    ]
    return simple_pdf(lines)
