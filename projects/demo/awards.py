"""The 2023 call after its ranking: the award pool, the 公示 with two objections, the
confirmed awards, payments, and each awarded project's implementation up to acceptance
and archive.

What happens, in Beijing time (every step is in the audit log on the day it happened):

- 2023-09-15  staff propose the top of the ranking of reviewed applications, up to the
              pool's 30 awards; a tie straddling the cut is taken in rank, then reference
              order, and the award's note says so
- 2023-09-18  公示 for the call's 5 working days (to 09-22); two objections are filed and
              decided: one 不成立, one 成立 on a minor point that leaves the award standing
- 2023-09-25  result confirmed: awards SCTJ-JL-2023-001… in rank order, the other
              reviewed applications 未获奖
- Oct–Nov     payments PZ-2023-0001…; first progress reports; 中期检查 in October
              (two 整改: one passed on re-inspection in November, one still open)
- Dec–Feb     工作总结 with evidence for every planned output; 验收 in January 2024
              (two below the pass mark); two late reports still wait for 验收
- March 2024  part of the accepted projects archived

The demo branch's project (fenhui's) is ranked high on purpose (see calls.py), awarded,
paid and left 实施中 without a final report, so its officer can report progress, write
the 工作总结, upload evidence and submit.

Rows are written with bulk inserts; the audit entries are the ones the services write, with
the dates above. The story draws from its own random stream, so the calls built after it
do not change with it.
"""

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.translation import gettext as _

from awards.calendar import is_working_day, next_working_day, working_period
from awards.enums import AwardStatus, NoticeStatus, ObjectionStatus
from awards.models import Award, AwardPool, Objection, Payment, PublicNotice
from awards.services import Suggestion, awards_suggest, pool_for_call
from society.audit import audit_entry
from society.demo import DEMO_BRANCH, Generator
from society.models import StaffMember

from ..enums import AcceptanceResult, AttachmentKind, InspectionResult
from ..enums import ApplicationStatus as S
from ..models import (
    Acceptance,
    Application,
    Attachment,
    Call,
    FinalReport,
    Inspection,
    Milestone,
    PlannedOutput,
    ProgressUpdate,
)
from .builder import Builder, D, Draft, at
from .pdf import simple_pdf, wrap
from .texts import (
    FINDINGS_PASSED,
    FINDINGS_RECHECKED,
    FINDINGS_RECTIFY,
    FIRST_HALF_NOTE,
    FULL_PAYMENT_NOTE,
    LATE_PAYMENT_NOTE,
    NOTICE_BODY,
    NOTICE_TITLE,
    OBJECTIONS,
    OPINION_FAILED,
    OPINIONS_PASSED,
    PROGRESS_DONE,
    PROGRESS_FIXED,
    PROGRESS_FIXING,
    PROGRESS_START,
    PROPOSAL_NOTE,
    SECOND_HALF_NOTE,
    TIE_NOTE,
)

DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
HALF = Decimal("0.5")

PROPOSED_AT = at(D(2023, 9, 15), 10)
PUBLISHED_ON = D(2023, 9, 18)
FIX_DEADLINE = D(2023, 11, 30)

# What becomes of each awarded project, besides the demo branch's (IMPLEMENTING).
IMPLEMENTING = "implementing"  # 实施中, no final report yet
RECTIFYING = "rectifying"  # 中期检查 整改, not yet passed
RECTIFIED = "rectified"  # 整改, passed on re-inspection, then accepted
LATE = "late"  # final report in 2024, waiting for 验收
FAILED = "failed"  # 验收不通过
ACCEPTED = "accepted"  # 验收通过
ARCHIVED = "archived"  # 验收通过, then 归档
# The special cases, most telling first; small demos keep only the first few.
SPECIAL_FATES = [FAILED, RECTIFYING, LATE, RECTIFIED, FAILED, LATE]


def chinese_date(day: datetime.date) -> str:
    """2023年9月19日."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class Awardee:
    draft: Draft
    suggestion: Suggestion
    fate: str
    award: Award | None = None
    payments: list[tuple[datetime.date, Decimal, str]] = field(default_factory=list)

    @property
    def application(self) -> Application:
        return self.draft.application


class AwardStory:
    """The 2023 call from its ranking to accepted, paid and archived projects."""

    def __init__(self, builder: Builder, call: Call, drafts: list[Draft]):
        self.b = builder
        self.call = call
        self.drafts = {d.application.pk: d for d in drafts}
        self.gen = Generator(builder.seed + 1)
        self.rng = self.gen.rng
        self.staff_names = list(
            StaffMember.objects.order_by("started_on", "pk").values_list("name", flat=True)[:3]
        ) or ["秘书处"]
        self.attachments: list[tuple[datetime.datetime, Attachment]] = []
        self.progress: list[tuple[datetime.datetime, ProgressUpdate]] = []
        self.inspections: list[tuple[datetime.datetime, Inspection]] = []
        self.reports: list[tuple[datetime.datetime, datetime.datetime, FinalReport]] = []
        self.acceptances: list[tuple[datetime.datetime, Acceptance]] = []
        self.achieved: dict[int, list[tuple[PlannedOutput, int]]] = {}  # per application

    # -- the whole story ------------------------------------------------------------

    def tell(self) -> str:
        awardees, others = self.select()
        if not awardees:
            return ""
        self.assign_fates(awardees)
        for awardee in awardees:
            awardee.payments = self.plan_payments(awardee)
        pool = self.propose(awardees)
        notice = self.publish(awardees)
        objections = self.objections(notice, awardees)
        self.confirm(notice, awardees, others)
        paid = self.pay(awardees)
        for awardee in awardees:
            self.implement(awardee)
        self.save_implementation()
        changed = [a.application for a in awardees] + [d.application for d in others]
        Application.objects.bulk_update(changed, ["status", "version", "updated_at"])
        pool.refresh_from_db()
        return _(
            "奖励 %(count)d 项 ¥%(committed)s（结余 ¥%(left)s），已拨付 ¥%(paid)s，"
            "公示异议 %(objections)d 条"
        ) % {
            "count": pool.committed_count,
            "committed": f"{pool.committed_amount:,.2f}",
            "left": f"{pool.money_left:,.2f}",
            "paid": f"{paid:,.2f}",
            "objections": objections,
        }

    def select(self) -> tuple[list[Awardee], list[Draft]]:
        """What the proposal page suggests: reviewed applications in rank order, then by
        reference, up to the award count and the fund."""
        awardees, chosen = [], set()
        for suggestion in awards_suggest(self.call):
            if suggestion.suggested:
                draft = self.drafts[suggestion.application.pk]
                awardees.append(Awardee(draft, suggestion, ACCEPTED))
                chosen.add(draft.application.pk)
        others = [
            d
            for d in self.drafts.values()
            if d.application.status == S.REVIEWED and d.application.pk not in chosen
        ]
        return awardees, others

    def assign_fates(self, awardees: list[Awardee]) -> None:
        featured = [a for a in awardees if a.draft.applicant.name == DEMO_BRANCH]
        rest = [a for a in awardees if a not in featured]
        for awardee in featured:
            awardee.fate = IMPLEMENTING
        specials = SPECIAL_FATES[: min(len(SPECIAL_FATES), len(rest) // 2)]
        for awardee, fate in zip(self.rng.sample(rest, len(specials)), specials, strict=True):
            awardee.fate = fate
        for awardee in rest:
            if awardee.fate == ACCEPTED and self.rng.random() < 0.4:
                awardee.fate = ARCHIVED

    # -- helpers ----------------------------------------------------------------------

    def workday(self, first: datetime.date, last: datetime.date) -> datetime.date:
        days = [first + n * DAY for n in range((last - first).days + 1)]
        return self.rng.choice([d for d in days if is_working_day(d)] or days)

    def clock(self, day: datetime.date, earliest: int = 9) -> datetime.datetime:
        return at(day, self.rng.randint(earliest, 16), self.rng.randrange(0, 60, 5))

    def log(self, action: str, when, *, obj, data: dict, by: Draft | str | None = "staff"):
        """The entry a service would write: by staff, by the applicant (its officer, or its
        liaison where the demo has no officer), or by nobody (the public)."""
        user = self.b.staff if by == "staff" else by.applicant.officer if by else None
        entry = audit_entry(action, user=user, obj=obj, data=data)
        if isinstance(by, Draft):
            entry.actor_repr = entry.actor_repr or by.applicant.signer
        self.b.audit.append((when, entry))

    def step(self, draft: Draft, when, verb: str, target: str, reason: str = "", *, staff=True):
        """One application transition, as projects.services.application_transition logs it."""
        self.b.log_step(draft, self.b.move(draft, when, verb, target, reason, by_staff=staff))
        draft.application.version += 1
        draft.application.updated_at = when

    def store(self, folder: str, content: bytes) -> tuple[str, str]:
        """A demo PDF stored once per content: (storage name, sha256)."""
        digest = hashlib.sha256(content).hexdigest()
        name = f"{folder}/demo/{digest}.pdf"
        if not self.b.storage.exists(name):
            self.b.storage.save(name, ContentFile(content))
        return name, digest

    def experts_for(self, application: Application, count: int) -> list[str]:
        free = [e for e in self.b.experts if not e.conflicts_with(application)]
        return [e.expert.name for e in self.rng.sample(free, min(count, len(free)))]

    # -- pool, proposal, 公示, objections, confirmation -------------------------------

    def propose(self, awardees: list[Awardee]) -> AwardPool:
        pool = pool_for_call(self.call)
        confirmed_at = self.confirmed_at()
        awards = []
        for number, awardee in enumerate(awardees, start=1):
            suggestion = awardee.suggestion
            note = PROPOSAL_NOTE
            if suggestion.tie_at_cut:
                note = TIE_NOTE.format(rank=suggestion.row.rank)
            awards.append(
                Award(
                    pool=pool,
                    application=awardee.application,
                    amount=pool.award_amount,
                    status=AwardStatus.CONFIRMED,
                    rank=suggestion.row.rank,
                    score=suggestion.row.stats.trimmed_mean,
                    note=note,
                    paid_amount=sum((amount for _d, amount, _n in awardee.payments), Decimal(0)),
                    certificate_number=f"SCTJ-JL-{self.call.year}-{number:03d}",
                    confirmed_at=confirmed_at + number * SECOND,
                )
            )
        awards = Award.objects.bulk_create(awards)
        for number, (awardee, award) in enumerate(zip(awardees, awards, strict=True), start=1):
            awardee.award = award
            award.created_at = PROPOSED_AT + number * SECOND
            award.updated_at = award.confirmed_at
            self.log(
                "awards.award.proposed",
                award.created_at,
                obj=award,
                data={
                    "application": award.application_id,
                    "amount": award.amount,
                    "note": award.note,
                    "places_left": pool.award_count - number,
                    "money_left": pool.fund_total - number * pool.award_amount,
                },
            )
        Award.objects.bulk_update(awards, ["created_at", "updated_at"])
        AwardPool.objects.filter(pk=pool.pk).update(
            committed_count=len(awards),
            committed_amount=sum(award.amount for award in awards),
            created_at=PROPOSED_AT,
            updated_at=confirmed_at + len(awards) * SECOND,
        )
        return pool

    def notice_period(self) -> tuple[datetime.date, datetime.date]:
        return working_period(PUBLISHED_ON, self.call.notice_working_days)

    def confirmed_at(self) -> datetime.datetime:
        """The first working day after the period, in the afternoon."""
        return at(next_working_day(self.notice_period()[1] + DAY), 15)

    def publish(self, awardees: list[Awardee]) -> PublicNotice:
        starts_on, ends_on = self.notice_period()
        published_at = at(starts_on, 9, 30)
        confirmed_at = self.confirmed_at()
        notice = PublicNotice.objects.create(
            call=self.call,
            title=NOTICE_TITLE.format(call=self.call.title),
            body=NOTICE_BODY,
            status=NoticeStatus.CONFIRMED,
            starts_on=starts_on,
            ends_on=ends_on,
            published_at=published_at,
            published_by=self.b.staff,
            confirmed_at=confirmed_at,
        )
        PublicNotice.objects.filter(pk=notice.pk).update(
            created_at=published_at, updated_at=confirmed_at
        )
        self.log(
            "awards.notice.published",
            published_at,
            obj=notice,
            data={"awards": len(awardees), "starts_on": starts_on, "ends_on": ends_on},
        )
        for awardee in awardees:
            self.step(awardee.draft, published_at, "publicize", S.PUBLICIZED)
        return notice

    def objections(self, notice: PublicNotice, awardees: list[Awardee]) -> int:
        """Two objections from the public, filed during the period and decided the next
        working day."""
        targets = [a for a in awardees if a.fate != IMPLEMENTING]
        targets = self.rng.sample(targets, min(len(OBJECTIONS), len(targets)))
        days = [d for d in (notice.starts_on + n * DAY for n in range(8)) if is_working_day(d)]
        rows = []
        for number, (awardee, text) in enumerate(zip(targets, OBJECTIONS, strict=False)):
            draft = awardee.draft
            member = next(
                (m for m in reversed(draft.team) if "工程师" in m.title or "教授" in m.title),
                draft.team[-1],
            )
            filed_at = self.clock(days[1 + 2 * number])
            decided_at = self.clock(days[2 + 2 * number])
            name = self.gen.name(self.gen.gender())
            employer = self.rng.choice(list(self.b.unit_names.values()))
            if text.get("colleague"):
                employer = member.unit
            content = text["content"].format(
                title=draft.application.title,
                short=draft.applicant.short,
                member=member.name,
                member_title=member.title or "高级工程师",
            )
            pdf = simple_pdf(
                [
                    (16, "异议证明材料"),
                    (11, ""),
                    *[(11, line) for line in wrap(f"针对公示项目：{draft.application.title}", 40)],
                    (11, f"申报单位：{draft.applicant.name}"),
                    (11, ""),
                    *[(11, line) for line in wrap(content, 40)],
                    (11, ""),
                    (11, f"异议人：{name}    {chinese_date(filed_at)}"),
                    (9, "（演示数据，仅供平台演示）"),
                ]
            )
            stored, _digest = self.store("objections", pdf)
            objection = Objection(
                notice=notice,
                award=awardee.award,
                name=name,
                phone=self.gen.mobile(),
                email=f"gongshi{self.rng.randrange(1000, 9999)}@example.com" if number else "",
                employer=employer[:150],
                content=content,
                evidence=stored,
                evidence_name=text["evidence"],
                client_hash=hashlib.sha256(f"demo-objector-{number}".encode()).hexdigest(),
                status=ObjectionStatus.UPHELD if text["upheld"] else ObjectionStatus.DISMISSED,
                decision=text["decision"],
                decided_by=self.b.staff,
                decided_at=decided_at,
            )
            rows.append((filed_at, decided_at, objection))
        saved = Objection.objects.bulk_create([objection for _f, _d, objection in rows])
        for (filed_at, decided_at, _o), objection in zip(rows, saved, strict=True):
            objection.created_at, objection.updated_at = filed_at, decided_at
            self.log(
                "awards.objection.filed",
                filed_at,
                obj=notice,
                data={"objection": objection.pk, "award": objection.award_id},
                by=None,
            )
            self.log(
                "awards.objection.resolved",
                decided_at,
                obj=notice,
                data={
                    "objection": objection.pk,
                    "status": objection.status,
                    "decision": objection.decision,
                },
            )
            for username in ("mishuchu", "admin"):
                self.b.note(
                    username,
                    filed_at,
                    f"公示收到异议：{notice.title}",
                    objection.content[:200],
                    reverse("admin:awards_objection_change", args=[objection.pk]),
                    read=True,
                )
        Objection.objects.bulk_update(saved, ["created_at", "updated_at"])
        return len(saved)

    def confirm(self, notice: PublicNotice, awardees: list[Awardee], others: list[Draft]):
        """确认公示结果: awards confirmed in rank order, the other reviewed ones 未获奖."""
        moment = self.confirmed_at()
        for awardee in awardees:
            moment += SECOND
            self.log("awards.award.confirmed", moment, obj=awardee.award, data={"note": ""})
            self.step(awardee.draft, moment, "award", S.AWARDED)
        for draft in others:
            moment += SECOND
            self.step(draft, moment, "not_award", S.NOT_AWARDED)
        self.log(
            "awards.notice.confirmed",
            moment + SECOND,
            obj=notice,
            data={"awarded": len(awardees), "not_awarded": len(others)},
        )

    # -- payments ----------------------------------------------------------------------

    def plan_payments(self, awardee: Awardee) -> list[tuple[datetime.date, Decimal, str]]:
        """Most awards paid in full in October–November 2023, in one payment or two halves;
        projects behind schedule in November got half (the rest waits for 验收), the one
        still in 整改 nothing yet."""
        amount = self.call.award_amount
        half = (amount * HALF).quantize(Decimal("0.01"))
        first = self.workday(D(2023, 10, 16), D(2023, 10, 27))
        fate = awardee.fate
        if fate == RECTIFYING:
            return []
        if fate in (LATE, FAILED):
            return [(first, half, LATE_PAYMENT_NOTE)]
        if fate == RECTIFIED or self.rng.random() < 0.35:
            return [
                (first, half, FIRST_HALF_NOTE),
                (self.workday(D(2023, 11, 27), D(2023, 11, 30)), amount - half, SECOND_HALF_NOTE),
            ]
        return [(self.workday(D(2023, 10, 16), D(2023, 11, 10)), amount, FULL_PAYMENT_NOTE)]

    def pay(self, awardees: list[Awardee]) -> Decimal:
        planned = sorted(
            (
                (day, awardee.suggestion.row.rank or 0, awardee.award.pk, awardee, amount, note)
                for awardee in awardees
                for day, amount, note in awardee.payments
            ),
            key=lambda row: row[:3],
        )
        payments, paid = [], Counter()
        for number, (day, _rank, _pk, awardee, amount, note) in enumerate(planned, start=1):
            voucher = f"PZ-{self.call.year}-{number:04d}"
            payment = Payment(
                award=awardee.award,
                paid_on=day,
                amount=amount,
                voucher_number=voucher,
                note=note,
                recorded_by=self.b.staff,
            )
            if number % 6 == 1:  # a scanned bank slip for a few of them
                payment.proof, _digest = self.store("payments", self.bank_slip(awardee, payment))
                payment.proof_name = f"银行回单-{voucher}.pdf"
            when = self.clock(day, earliest=10)
            paid[awardee.award.pk] += amount
            payments.append((when, payment))
            self.log(
                "awards.payment.recorded",
                when,
                obj=awardee.award,
                data={
                    "amount": amount,
                    "voucher": voucher,
                    "paid_on": day,
                    "paid_total": paid[awardee.award.pk],
                },
            )
        saved = Payment.objects.bulk_create([payment for _when, payment in payments])
        for (when, _p), payment in zip(payments, saved, strict=True):
            payment.created_at = payment.updated_at = when
        Payment.objects.bulk_update(saved, ["created_at", "updated_at"])
        return sum(paid.values(), Decimal(0))

    def bank_slip(self, awardee: Awardee, payment: Payment) -> bytes:
        return simple_pdf(
            [
                (16, "银行电子回单"),
                (11, ""),
                (11, f"凭证号：{payment.voucher_number}    日期：{payment.paid_on:%Y-%m-%d}"),
                (11, "付款人：四川省土木建筑学会"),
                (11, f"收款人：{awardee.draft.applicant.name}"),
                (11, f"金额：人民币 {payment.amount:,.2f} 元"),
                (11, f"用途：{self.call.year}年度创建一流科技社团培育奖励资金"),
                (11, f"备注：{payment.note}"),
                (9, "（演示数据，仅供平台演示）"),
            ]
        )

    # -- implementation ------------------------------------------------------------------

    def implement(self, awardee: Awardee) -> None:
        """Progress against the milestones, 中期检查, 工作总结 with evidence, 验收, 归档."""
        draft, fate = awardee.draft, awardee.fate
        milestones = sorted(draft.milestones, key=lambda m: (m.due_on, m.pk))
        start = self.workday(D(2023, 10, 9), D(2023, 10, 13))
        started_at = self.clock(start)
        self.step(draft, started_at, "start", S.IN_PROGRESS, staff=False)
        text = PROGRESS_START.format(
            date=f"{start.month}月{start.day}日", title=milestones[0].title
        )
        self.report(draft, started_at, text, milestones[0])

        inspected = self.workday(D(2023, 10, 16), D(2023, 10, 31))
        rectify = fate in (RECTIFYING, RECTIFIED)
        self.inspect(draft, inspected, rectify=rectify)
        if fate == RECTIFYING:
            deadline = chinese_date(FIX_DEADLINE)
            self.report(
                draft, self.clock(D(2023, 11, 20)), PROGRESS_FIXING.format(deadline=deadline)
            )
            return
        if fate == RECTIFIED:
            self.report(draft, self.clock(D(2023, 11, 17)), PROGRESS_FIXED)
            self.inspect(draft, self.workday(D(2023, 11, 20), D(2023, 11, 24)), recheck=True)

        # The remaining milestones, each reported a few days around its date.
        last = start
        if fate == IMPLEMENTING:
            milestones = milestones[:2]  # the rest is for the demo officer to report
        if fate == LATE:
            submitted_on = self.workday(D(2024, 1, 22), D(2024, 2, 2))
        else:
            submitted_on = self.workday(D(2023, 12, 22), D(2023, 12, 29))
        for index, milestone in enumerate(milestones[1:], start=1):
            if fate != IMPLEMENTING and index == len(milestones) - 1:
                day = submitted_on
            else:
                day = max(last + DAY, milestone.due_on + self.rng.randint(-2, 4) * DAY)
                day = min(day, submitted_on - DAY) if fate != IMPLEMENTING else day
            last = day
            text = self.rng.choice(PROGRESS_DONE).format(
                title=milestone.title, description=milestone.description
            )
            self.report(draft, self.clock(day), text, milestone)
        if fate == IMPLEMENTING:
            return

        self.final_report(draft, submitted_on, failing=fate == FAILED)
        if fate == LATE:
            return
        self.accept(draft, self.workday(D(2024, 1, 15), D(2024, 1, 26)), failing=fate == FAILED)
        if fate == ARCHIVED:
            archived_at = self.clock(self.workday(D(2024, 3, 4), D(2024, 3, 15)))
            self.step(draft, archived_at, "archive", S.ARCHIVED)

    def report(self, draft: Draft, when, text: str, milestone: Milestone | None = None) -> None:
        update = ProgressUpdate(
            application=draft.application,
            milestone=milestone,
            reported_on=when.date(),
            text=text,
            milestone_done=milestone is not None,
            author=draft.applicant.officer,
        )
        self.progress.append((when, update))
        # Logged once the update has its key, in save_implementation.

    def inspect(self, draft: Draft, day: datetime.date, *, rectify=False, recheck=False) -> None:
        application = draft.application
        when = self.clock(day)
        if rectify:
            deadline = chinese_date(FIX_DEADLINE)
            findings = self.rng.choice(FINDINGS_RECTIFY).format(deadline=deadline)
            result = InspectionResult.RECTIFY
        else:
            findings = FINDINGS_RECHECKED if recheck else self.rng.choice(FINDINGS_PASSED)
            result = InspectionResult.PASSED
        staff = "、".join(self.rng.sample(self.staff_names, min(2, len(self.staff_names))))
        experts = "、".join(self.experts_for(application, 1))
        inspection = Inspection(
            application=application,
            inspected_on=day,
            inspectors=f"{staff}（秘书处）" + (f"，{experts}（专家）" if experts else ""),
            findings=findings,
            result=result,
            fix_deadline=FIX_DEADLINE if rectify else None,
            recorded_by=self.b.staff,
        )
        self.inspections.append((when, inspection))
        if rectify:
            self.step(draft, when, "rectify", S.INSPECTION, findings)
        elif recheck:
            self.step(draft, when, "rectified", S.IN_PROGRESS)
        self.log(
            "projects.inspection.recorded",
            when,
            obj=application,
            data={"result": result, "fix_deadline": inspection.fix_deadline},
        )

    def actual(self, output: PlannedOutput, failing: bool, index: int) -> int:
        """What was achieved: the plan, or less for the first output of a failing project."""
        if failing and index == 0:
            return max(0, output.quantity - 1 - output.quantity // 2)
        more = output.quantity > 1 and self.rng.random() < 0.2
        return output.quantity + int(more)

    def final_report(self, draft: Draft, day: datetime.date, *, failing: bool) -> None:
        """工作总结 saved a few days ahead, one evidence file per planned output, submitted."""
        application = draft.application
        officer = draft.applicant.officer
        saved_at = self.clock(day - self.rng.randint(3, 6) * DAY)
        submitted_at = self.clock(day, earliest=14)
        achieved = [
            (output, self.actual(output, failing, index))
            for index, output in enumerate(draft.outputs)
        ]
        self.achieved[application.pk] = achieved
        lines = [
            f"{draft.applicant.name}按照申报书确定的具体方案实施“{application.title}”，"
            f"于2023年10月启动，{chinese_date(day)}完成工作总结。"
        ]
        steps = ["一是", "二是", "三是", "四是", "五是"]
        for index, (output, actual) in enumerate(achieved):
            unit = output.indicator.unit or "项"
            lines.append(
                f"{steps[index % len(steps)]}{output.description}，计划{output.quantity}{unit}，"
                f"实际完成{actual}{unit}。"
            )
        lines.append(
            f"奖励资金{self.call.award_amount:,.2f}元按经费预算使用，支出凭证和工作台账已整理归档。"
            "下一步将巩固项目成果，持续发挥示范带动作用。"
        )
        summary = "".join(lines)
        report = FinalReport(
            application=application,
            summary=summary,
            submitted_at=submitted_at,
            submitted_by=officer,
        )
        self.reports.append((saved_at, submitted_at, report))
        self.log(
            "projects.final_report.saved",
            saved_at,
            obj=application,
            data={"length": len(summary)},
            by=draft,
        )
        for index, (output, actual) in enumerate(achieved, start=1):
            uploaded_at = saved_at + index * datetime.timedelta(minutes=7)
            self.evidence(draft, output, actual, index, uploaded_at)
        self.step(draft, submitted_at, "submit_final", S.FINAL_SUBMITTED, staff=False)

    def evidence(self, draft: Draft, output: PlannedOutput, actual: int, number: int, when):
        application = draft.application
        unit = output.indicator.unit or "项"
        content = simple_pdf(
            [
                (16, f"佐证材料 {number}"),
                (11, ""),
                *[(11, line) for line in wrap(f"项目名称：{application.title}", 42)],
                (11, f"申报单位：{draft.applicant.name}"),
                *[(11, line) for line in wrap(f"对应考核指标：{output.indicator}", 42)],
                *[(11, line) for line in wrap(f"预期成果：{output.description}", 42)],
                (11, f"计划数量：{output.quantity}{unit}    完成数量：{actual}{unit}"),
                (11, ""),
                (11, "附：活动通知、签到表、现场照片、成果清单及平台发布截图"),
                (9, "（演示数据，仅供平台演示）"),
            ]
        )
        name, digest = self.store("applications", content)
        original = f"佐证材料{number}-{output.description[:30]}.pdf"
        attachment = Attachment(
            application=application,
            kind=AttachmentKind.EVIDENCE,
            output=output,
            file=name,
            original_name=original,
            extension="pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=digest,
            description=f"{output.description}（完成{actual}{unit}）"[:200],
            uploaded_by=draft.applicant.officer,
        )
        self.attachments.append((when, attachment))
        self.log(
            "projects.attachment.added",
            when,
            obj=application,
            data={"name": original, "size": len(content), "sha256": digest},
            by=draft,
        )

    def accept(self, draft: Draft, day: datetime.date, *, failing: bool) -> None:
        """验收 by three experts and staff: 80–95 points, or below the call's pass mark."""
        application = draft.application
        when = self.clock(day)
        pass_mark = self.call.acceptance_pass_mark
        if failing:
            score = pass_mark - Decimal(self.rng.randint(4, 20)) / 2
            output, actual = self.achieved[application.pk][0]
            opinion = OPINION_FAILED.format(
                output=output.description,
                planned=output.quantity,
                actual=actual,
                unit=output.indicator.unit or "项",
            )
        else:
            score = Decimal(self.rng.randint(160, 190)) / 2
            output = self.rng.choice(draft.outputs)
            opinion = self.rng.choice(OPINIONS_PASSED).format(output=output.description)
        passed = score >= pass_mark
        experts = "、".join(self.experts_for(application, 3))
        acceptance = Acceptance(
            application=application,
            score=score.quantize(Decimal("0.01")),
            result=AcceptanceResult.PASSED if passed else AcceptanceResult.FAILED,
            opinion=opinion,
            reviewers=f"{experts}（专家），{self.staff_names[0]}（秘书处）",
            accepted_on=day,
            recorded_by=self.b.staff,
        )
        self.acceptances.append((when, acceptance))
        if passed:
            self.step(draft, when, "accept", S.ACCEPTED, opinion)
        else:
            self.step(draft, when, "fail", S.FAILED, opinion)

    def save_implementation(self) -> None:
        """Insert what implement() collected, dated, and log the progress updates."""
        updates = self.insert(ProgressUpdate, self.progress)
        for (when, _u), update in zip(self.progress, updates, strict=True):
            draft = self.drafts[update.application_id]
            self.log(
                "projects.progress.posted",
                when,
                obj=draft.application,
                data={
                    "progress": update.pk,
                    "milestone": str(update.milestone or ""),
                    "done": update.milestone_done,
                },
                by=draft,
            )
        self.insert(Inspection, self.inspections)
        self.insert(Acceptance, self.acceptances)
        reports = FinalReport.objects.bulk_create([report for _s, _u, report in self.reports])
        for (saved_at, submitted_at, _r), report in zip(self.reports, reports, strict=True):
            report.created_at, report.updated_at = saved_at, submitted_at
        FinalReport.objects.bulk_update(reports, ["created_at", "updated_at"])
        attachments = Attachment.objects.bulk_create([a for _when, a in self.attachments])
        for (when, _a), attachment in zip(self.attachments, attachments, strict=True):
            attachment.uploaded_at = when
        Attachment.objects.bulk_update(attachments, ["uploaded_at"])

    @staticmethod
    def insert(model, rows: list[tuple[datetime.datetime, object]]) -> list:
        saved = model.objects.bulk_create([row for _when, row in rows])
        for (when, _row), obj in zip(rows, saved, strict=True):
            obj.created_at = obj.updated_at = when
        model.objects.bulk_update(saved, ["created_at", "updated_at"])
        return saved
