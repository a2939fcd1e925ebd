"""The three demo calls: finished (2023), under review now, open for applications now."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from society.demo import DEMO_BRANCH
from society.models import MemberUnit, Notification

from ..enums import ApplicationStatus as S
from ..enums import ReviewStatus
from ..models import Application, Call
from ..selectors import aggregate
from .awards import AwardStory
from .builder import AWARD, NUDGES, TZ, Builder, CallSummary, D, Draft, at, half_points
from .texts import (
    CALL_TITLE,
    CONFLICT_REASONS,
    CRITERIA,
    NOTICE_2023,
    REJECT_REASONS,
    RETURN_REASONS,
    later_notice,
)

BASE_APPLICATIONS = 60  # the finished 2023 call, per unit of scale
BASE_CURRENT = 15  # the call under review now
BASE_OPEN = 8  # the call open for applications now (besides the demo unit's draft)
FEATURED_QUALITY = 94.0  # the demo branch's 2023 project: above everyone else's (at most 92)


class DemoCalls(Builder):
    def demo_names(self) -> tuple[str, str | None]:
        danwei = self.users.get("danwei")
        unit = MemberUnit.objects.filter(pk=danwei.member_unit_id).first() if danwei else None
        return DEMO_BRANCH, unit.name if unit else None

    # -- 1. the 2023 call, finished ----------------------------------------------

    def call_2023(self, scale: float) -> None:
        call = self.make_call(
            year=2023,
            title=CALL_TITLE.format(year=2023),
            notice=NOTICE_2023,
            applications_open_at=at(D(2023, 7, 1), 9),
            applications_close_at=at(D(2023, 8, 15), 17),
            formal_check_close_at=at(D(2023, 8, 25), 17),
            review_open_at=at(D(2023, 8, 26), 9),
            review_close_at=at(D(2023, 9, 10), 17),
            implementation_end=D(2023, 12, 31),
            award_count=30,
            award_amount=AWARD,
            fund_total=Decimal("100000.00"),
            experts_per_application=5,
        )
        indicators = self.indicators(2023)
        branch_name, unit_name = self.demo_names()
        applicants = self.pick_applicants(
            max(8, round(BASE_APPLICATIONS * scale)), include=[branch_name, unit_name]
        )
        n = len(applicants)
        plan = (
            ["reject"] * max(1, round(n * 0.05))
            + ["withdraw"] * max(1, round(n * 0.035))
            + ["pending"] * max(1, round(n * 0.05))
            + ["returned"] * max(0, round(n * 0.035) - 1)
        )
        demo = {branch_name: "reviewed", unit_name: "returned"}  # danwei can compare versions
        rest = n - len(demo)
        plan = plan[:rest] + ["reviewed"] * max(0, rest - len(plan))
        self.rng.shuffle(plan)
        plan = iter(plan)
        open_at, close = call.applications_open_at, call.applications_close_at
        check_close = call.formal_check_close_at
        day, minute = datetime.timedelta(days=1), datetime.timedelta(minutes=1)
        drafts = []
        for applicant in applicants:
            fate = demo.get(applicant.name) or next(plan)
            created = self.moment(open_at, close - 5 * day)
            draft = self.draft(call, applicant, indicators, created)
            draft.fate = fate
            if fate == "returned":
                first = self.moment(created + day, close - 3 * day, 0.7)
                self.submit(draft, first)
                returned = self.moment(first + day, first + 4 * day)
                self.staff_act(
                    draft, returned, "return", S.RETURNED, self.rng.choice(RETURN_REASONS)
                )
                self.submit(draft, self.moment(returned + day, check_close - 2 * day))
                draft.returned = True
            else:
                self.submit(draft, self.moment(created + day, close, 0.85))
            submitted = draft.submissions[-1]
            if fate == "withdraw":
                self.withdraw(draft, self.moment(submitted + day / 2, submitted + 8 * day))
            elif fate == "reject":
                when = self.moment(max(submitted, close), check_close)
                self.staff_act(
                    draft, when, "reject", S.NOT_ACCEPTED, self.rng.choice(REJECT_REASONS)
                )
            else:
                when = self.moment(max(submitted + day / 4, close), check_close)
                self.staff_act(draft, when, "pass_check", S.UNDER_REVIEW)
            drafts.append(draft)
        self.save(drafts)

        reviewed = [d for d in drafts if d.fate in ("reviewed", "returned")]
        pending = [d for d in drafts if d.fate == "pending"]
        wanted = {
            d.application.pk: self.rng.choices([5, 4, 3], weights=[8, 1, 1])[0]
            for d in reviewed + pending
        }
        chosen = self.assign(reviewed + pending, wanted)
        assigned_at = at(D(2023, 8, 26), 9, 30)
        # Totals: each application has a quality, each expert a leniency; some disagree widely.
        quality = {d.application.pk: min(92.0, max(55.0, self.rng.gauss(77, 7))) for d in drafts}
        # The demo branch's project scores high, so it is among the awardees and fenhui can
        # walk through its implementation; no expert disagrees on it and it ties with none.
        featured = next((d.application.pk for d in reviewed if d.applicant.name == branch_name), 0)
        if featured:
            quality[featured] = FEATURED_QUALITY
        others = [d.application.pk for d in reviewed if d.application.pk != featured]
        disagree = set(self.rng.sample(others, min(len(others), max(1, len(reviewed) // 10))))
        totals = {
            d.application.pk: self.totals(
                quality[d.application.pk], chosen[d.application.pk], d.application.pk in disagree
            )
            for d in reviewed + pending
        }
        self.make_ties(
            reviewed, pending, totals, disagree | {featured}, pairs=max(1, round(n * 0.035))
        )
        conflicted = set(
            self.rng.sample([d.application.pk for d in reviewed], max(1, round(n * 0.05)))
        )
        rows = []
        for draft in reviewed + pending:
            app = draft.application
            profile = [self.rng.uniform(0.88, 1.12) for _ in CRITERIA]
            experts = chosen[app.pk]
            pending_one = experts[-1].pk if draft.fate == "pending" else None
            for expert, total in zip(experts, totals[app.pk], strict=True):
                row = self.review(app, expert, assigned_at + len(rows) % 50 * minute)
                rows.append(row)
                if expert.pk == pending_one:
                    continue
                row.points = self.split(total, [p * self.rng.uniform(0.95, 1.05) for p in profile])
                assignment = row.assignment
                assignment.status = ReviewStatus.SUBMITTED
                assignment.total = total
                assignment.comment = self.comment(row.points, total)
                assignment.submitted_at = self.moment(
                    row.assigned_at + day, call.review_close_at, 0.75
                )
            if app.pk in conflicted:
                self.add_conflict(app, experts, assigned_at, rows)
        self.save_reviews(rows)
        # Staff complete the review once the window has closed.
        for draft in reviewed:
            app = draft.application
            when = self.moment(call.review_close_at, call.review_close_at + 4 * day)
            self.log_step(
                draft, self.move(draft, when, "complete_review", S.REVIEWED, by_staff=True)
            )
            app.updated_at = when
            app.version += 1
        Application.objects.bulk_update(
            [d.application for d in reviewed], ["status", "version", "updated_at"], batch_size=500
        )
        awards = AwardStory(self, call, drafts).tell()  # pool, 公示, payments, implementation
        self.notify_applicants(drafts, call)
        self.notify_expert(call, rows, read=True)
        self.summarise(call, drafts, rows)
        self.summaries[-1].awards = awards

    def make_ties(self, reviewed, pending, totals, disagree, *, pairs: int) -> None:
        """Exactly `pairs` ties in the ranking: copy one application's totals to another with
        as many experts, then nudge every other application whose trimmed mean collides."""
        by_count = defaultdict(list)
        for draft in reviewed:
            pk = draft.application.pk
            if pk not in disagree:
                by_count[len(totals[pk])].append(pk)
        groups = [pks for _, pks in sorted(by_count.items())]
        tied = []
        while len(tied) < pairs and any(len(group) >= 2 for group in groups):
            group = self.rng.choice([group for group in groups if len(group) >= 2])
            first, second = self.rng.sample(group, 2)
            group.remove(first)
            group.remove(second)
            tied.append((first, second))
        partner = {a: b for pair in tied for a, b in (pair, pair[::-1])}
        waiting = {d.application.pk for d in pending}  # their last expert has not scored yet

        def scored(pk):
            return totals[pk][:-1] if pk in waiting else totals[pk]

        def key(pk):
            return aggregate(scored(pk)).trimmed_mean

        order = [pk for pair in tied for pk in pair]
        order += [d.application.pk for d in reviewed + pending if d.application.pk not in partner]
        seen = {}
        for pk in order:
            values = scored(pk)
            middle = sorted(range(len(values)), key=lambda i, v=values: (v[i], i))[len(values) // 2]
            original = totals[pk][middle]
            for step in NUDGES:
                totals[pk][middle] = original + step
                if key(pk) not in seen or seen[key(pk)] == partner.get(pk):
                    break
            else:  # a crowded ranking (large scales) keeps this tie
                totals[pk][middle] = original
            seen[key(pk)] = pk
            if pk in partner and partner[pk] not in seen.values():
                copied = list(totals[pk])
                self.rng.shuffle(copied)
                totals[partner[pk]] = copied

    def add_conflict(self, app, experts, assigned_at, rows) -> None:
        """An expert who was assigned too, then declared a conflict (a replacement took over)."""
        taken = {e.pk for e in experts}
        spare = [e for e in self.experts if e.pk not in taken and not e.conflicts_with(app)]
        if not spare:
            return
        row = self.review(app, self.rng.choice(spare), assigned_at)
        row.assignment.status = ReviewStatus.CONFLICT
        row.assignment.conflict_reason = self.rng.choice(CONFLICT_REASONS)
        rows.append(row)

    # -- 2. the call under review now ---------------------------------------------

    def call_in_review(self, scale: float) -> Call:
        today, day = self.today, datetime.timedelta(days=1)
        review_close = at(today + 7 * day, 17)
        year_end = D(today.year, 12, 31)
        implementation_end = (
            year_end if review_close.date() + 60 * day <= year_end else D(today.year + 1, 6, 30)
        )
        call = self.make_call(
            year=today.year,
            title=CALL_TITLE.format(year=today.year),
            notice=later_notice(today.year, at(today - 55 * day, 9), at(today - 10 * day, 17)),
            applications_open_at=at(today - 55 * day, 9),
            applications_close_at=at(today - 10 * day, 17),
            formal_check_close_at=at(today - 6 * day, 17),
            review_open_at=at(today - 5 * day, 9),
            review_close_at=review_close,
            implementation_end=implementation_end,
            experts_per_application=3,
        )
        indicators = self.indicators(call.year)
        branch_name, unit_name = self.demo_names()
        applicants = self.pick_applicants(
            max(4, round(BASE_CURRENT * scale)), include=[branch_name, unit_name]
        )
        rejected = set(self.rng.sample(range(2, len(applicants)), round(len(applicants) * 0.07)))
        drafts = []
        for index, applicant in enumerate(applicants):
            created = self.moment(call.applications_open_at, call.applications_close_at - 5 * day)
            draft = self.draft(call, applicant, indicators, created)
            self.submit(draft, self.moment(created + day, call.applications_close_at, 0.85))
            when = self.moment(call.applications_close_at, call.formal_check_close_at)
            if index in rejected:
                self.staff_act(
                    draft, when, "reject", S.NOT_ACCEPTED, self.rng.choice(REJECT_REASONS)
                )
            else:
                self.staff_act(draft, when, "pass_check", S.UNDER_REVIEW)
            drafts.append(draft)
        self.save(drafts)

        under_review = [d for d in drafts if d.application.status == S.UNDER_REVIEW]
        first = {}
        if self.zhuanjia:  # three applications for the demo expert, conflict-free
            free = [d for d in under_review if not self.zhuanjia.conflicts_with(d.application)]
            free.sort(key=lambda d: d.application.field_id not in self.zhuanjia.expertise)
            first = {d.application.pk: self.zhuanjia for d in free[:3]}
        chosen = self.assign(under_review, {d.application.pk: 3 for d in under_review}, first=first)
        assigned_at = at(today - 5 * day, 10)
        # One expert of the last application has declared a conflict; staff have to reassign.
        declared = next(
            (
                e
                for e in reversed(chosen[under_review[-1].application.pk])
                if e is not self.zhuanjia
            ),
            None,
        )
        rows = []
        for draft in under_review:
            app = draft.application
            quality = min(92.0, max(55.0, self.rng.gauss(77, 7)))
            profile = [self.rng.uniform(0.88, 1.12) for _ in CRITERIA]
            for expert in chosen[app.pk]:
                row = self.review(app, expert, assigned_at)
                rows.append(row)
                assignment = row.assignment
                fate = self.rng.choices(["submitted", "draft", "open"], [45, 20, 35])[0]
                if expert is self.zhuanjia:
                    fate = "open"
                elif expert is declared and draft is under_review[-1]:
                    fate = "conflict"
                if fate == "open":
                    continue
                if fate == "conflict":
                    assignment.status = ReviewStatus.CONFLICT
                    assignment.conflict_reason = self.rng.choice(CONFLICT_REASONS)
                    continue
                total = half_points(
                    min(97.0, max(45.0, quality + expert.leniency + self.rng.gauss(0, 3)))
                )
                row.points = self.split(total, profile)
                assignment.comment = self.comment(row.points, total)
                if fate == "submitted":
                    assignment.status = ReviewStatus.SUBMITTED
                    assignment.total = total
                    assignment.submitted_at = self.moment(assigned_at + day / 2, self.now)
                else:
                    assignment.status = ReviewStatus.DRAFT
        self.save_reviews(rows)
        self.notify_applicants(drafts, call)
        self.notify_expert(call, rows, read=False)
        for row in rows:
            assignment = row.assignment
            if assignment.status == ReviewStatus.CONFLICT:
                for username in ("mishuchu", "admin"):
                    self.note(
                        username,
                        row.assigned_at + day,
                        f"专家{assignment.expert.name}声明回避：{assignment.application.title}",
                        assignment.conflict_reason,
                        reverse(
                            "admin:projects_application_change", args=[assignment.application_id]
                        ),
                        read=False,
                    )
        self.summarise(call, drafts, rows)
        return call

    # -- 3. the call open for applications now -------------------------------------

    def call_open(self, scale: float, previous: Call) -> None:
        today, day = self.today, datetime.timedelta(days=1)
        year = previous.year + 1
        close = at(today + 20 * day, 17)
        call = self.make_call(
            year=year,
            title=CALL_TITLE.format(year=year) + "（预申报）",
            notice=later_notice(year, at(today - 5 * day, 9), close),
            applications_open_at=at(today - 5 * day, 9),
            applications_close_at=close,
            formal_check_close_at=close + 7 * day,
            review_open_at=at((close + 8 * day).date(), 9),
            review_close_at=close + 22 * day,
            implementation_end=D(year, 12, 31),
            experts_per_application=3,
        )
        indicators = self.indicators(year)
        branch_name, unit_name = self.demo_names()
        applicants = self.pick_applicants(
            1 + max(2, round(BASE_OPEN * scale)), include=[unit_name], exclude=[branch_name]
        )
        drafts = []
        for index, applicant in enumerate(applicants):
            created = self.moment(call.applications_open_at, self.now - day / 2)
            draft = self.draft(call, applicant, indicators, created)
            if applicant.name != unit_name and index % 2 == 0:
                self.submit(draft, self.moment(created + day / 4, self.now))
            drafts.append(draft)
        self.save(drafts)
        self.summarise(call, drafts, [])

    # -- notifications and the summary ---------------------------------------------

    def note(self, username, when, title, body, url, *, read: bool) -> None:
        user = self.users.get(username)
        if user is None:
            return
        note = Notification(
            user=user,
            title=title,
            body=body,
            url=url,
            mailed_at=when,
            read_at=when if read else None,
        )
        self.notifications.append((when, note))

    def notify_applicants(self, drafts: list[Draft], call: Call) -> None:
        """What the demo officers were told as their applications moved along."""
        labels = dict(S.choices)
        for draft in drafts:
            officer = draft.applicant.officer
            if officer is None:
                continue
            app = draft.application
            old = call.review_close_at < self.now
            for step in draft.history:
                if step.by_staff:
                    self.note(
                        officer.username,
                        step.when,
                        f"申报“{app.title}”：{labels[step.target]}",
                        step.reason,
                        reverse("projects:application-detail", args=[app.pk]),
                        read=old,
                    )

    def notify_expert(self, call: Call, rows, *, read: bool) -> None:
        if self.zhuanjia is None:
            return
        mine = [row for row in rows if row.assignment.expert_id == self.zhuanjia.pk]
        if not mine:
            return
        end = timezone.localtime(call.review_close_at, TZ).strftime("%Y-%m-%d %H:%M:%S")
        self.note(
            "zhuanjia",
            mine[0].assigned_at,
            f"您有{len(mine)}项新的评审任务",
            f"《{call.title}》评审截止时间：{end}（北京时间）。请登录平台查看并评分。",
            reverse("projects:review-list"),
            read=read,
        )

    def summarise(self, call: Call, drafts: list[Draft], rows) -> None:
        self.summaries.append(
            CallSummary(
                call=call,
                states=Counter(d.application.status for d in drafts),
                assignments=len(rows),
            )
        )
