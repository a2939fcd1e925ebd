"""A realistic programme year (2023) of indicator records for the demo, so every number and
chart of the dashboard has data behind it. Deterministic: a fixed seed, fixed dates.

Volumes scale with `scale` (records per organisation stay realistic; the number of
organisations grows), evidence files are small PDFs stored once per content.
"""

import datetime
import hashlib
import random
from collections import defaultdict
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from projects.demo.pdf import simple_pdf
from society.enums import MemberStatus, Role
from society.models import Branch, Member, MemberUnit, User
from society.storage import private_storage

from .enums import OutreachChannel, RecordStatus
from .models import (
    Indicator,
    IndicatorSnapshot,
    Outreach,
    ProgressReport,
    Record,
    RecordEvidence,
    SatisfactionResponse,
)

YEAR = 2023
SEED = 2023_0625
START, END = datetime.date(2023, 6, 25), datetime.date(2023, 12, 31)

# code -> (base count at scale 1, who reports: "unit" | "branch" | "society", title patterns)
PLAN = {
    "P03": (2, "branch", ["分支机构党小组主题党日活动品牌", "学会最美科技工作者评选活动"]),
    "P04": (1, "society", ["《四川省土木建筑学会会员学风道德管理守则》修订发布"]),
    "P05": (3, "branch", ["科研诚信与学风道德建设宣讲培训"]),
    "I01": (6, "branch", ["{area}科技服务团队组建"]),
    "I02": (1, "society", ["天府科技云省级学会示范科创工作室上线"]),
    "I03": (36, "unit", ["{org}在天府科技云发布{category}"]),
    "I04": (12, "unit", ["向科创中国·天府科技云服务大会推荐{category}"]),
    "I05": (28, "unit", ["{org}{category}服务"]),
    "I06": (3, "unit", ["{org}科技成果转化"]),
    "I07": (6, "unit", ["{org}推广高新技术"]),
    "A01": (4, "branch", ["{category}"]),
    "A02": (22, "unit", ["{topic}研究"]),
    "A03": (2, "branch", ["关于{topic}的决策咨询报告"]),
    "A04": (1, "branch", ["“土木科普进社区”科普活动品牌"]),
    "A05": (24, "unit", ["{topic}科普作品"]),
    "A06": (1, "society", ["申办“四川科普大讲堂”"]),
    "A07": (21, "society", ["推荐专家进入省科协科普专家资源库"]),
    "C01": (1, "society", ["学会章程修订（会员代表大会审议通过）"]),
    "C02": (3, "society", ["{category}召开"]),
    "C04": (1, "society", ["学会固定办公场所（成都市武侯区）"]),
    "C05": (1, "society", ["学会网站会员管理系统启用"]),
    "C06": (5, "branch", ["{org}{category}"]),
    "C07": (1, "society", ["四川省土木建筑学会人才服务中心成立"]),
}
RANKS = {
    "P01": [
        (datetime.date(2023, 7, 20), 63),
        (datetime.date(2023, 9, 20), 48),
        (datetime.date(2023, 12, 20), 37),
    ],
    "I08": [(datetime.date(2023, 8, 15), 55), (datetime.date(2023, 11, 15), 42)],
}
TOPICS = [
    "装配式混凝土结构抗震性能",
    "城市更新中的既有建筑加固",
    "山区桥梁健康监测",
    "智能建造与建筑工业化协同",
    "韧性城市防灾减灾",
    "隧道施工智能监测",
    "减隔震技术应用",
    "绿色低碳建材",
    "数字孪生城市",
    "老旧小区改造",
]
UNREVIEWED_SHARE = 0.12  # still 待核实
REJECTED_SHARE = 0.04
# Members named on verified records (and so in their growth record): code -> how many.
# Papers and popular-science works have authors, trainings trainees; services have the
# members who served besides those who answered the satisfaction form.
PARTICIPANTS = {"A02": (1, 3), "A05": (1, 2), "P05": (8, 20), "I05": (1, 3)}
DEMO_MEMBER = "huiyuan"


def _day(rng: random.Random, start=START, end=END) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class KpiDemo:
    def __init__(self, *, scale: float, seed: int = SEED):
        self.rng = random.Random(seed)
        self.people_rng = random.Random(seed + 1)  # participants: the records stay the same
        self.scale = scale
        self.indicators = {i.code: i for i in Indicator.objects.filter(year=YEAR)}
        self.staff = User.objects.filter(role=Role.STAFF, is_staff=True).order_by("pk").first()
        self.branches = list(Branch.objects.order_by("pk"))
        self.units = list(MemberUnit.objects.order_by("pk"))
        self.officers = {
            (u.branch_id, u.member_unit_id): u
            for u in User.objects.filter(role=Role.OFFICER).order_by("pk")
        }
        self.officer_branches = [b for b in self.branches if (b.pk, None) in self.officers]
        self.officer_units = [u for u in self.units if (None, u.pk) in self.officers]

    def count(self, base: int) -> int:
        return max(1, round(base * self.scale)) if base > 3 else base

    def organisation(
        self, who: str, code: str, category: str
    ) -> tuple[Branch | None, MemberUnit | None]:
        if who == "society":
            return None, None
        if code == "P05":  # the committee that held the training
            return next((b for b in self.branches if b.name == category), self.branches[0]), None
        # The demo officers' own organisations report a share, so their portal has records.
        if who == "branch":
            if self.officer_branches and self.rng.random() < 0.15:
                return self.rng.choice(self.officer_branches), None
            return self.rng.choice(self.branches), None
        if self.officer_units and self.rng.random() < 0.1:
            return None, self.rng.choice(self.officer_units)
        return None, self.rng.choice(self.units)

    def evidence_file(self, title: str) -> tuple[str, int, str]:
        content = simple_pdf([(16, "佐证材料"), (11, title[:40]), (11, "四川省土木建筑学会")])
        digest = hashlib.sha256(content).hexdigest()
        name = f"kpis/demo/{digest}.pdf"
        if not private_storage.exists(name):
            private_storage.save(name, ContentFile(content))
        return name, len(content), digest

    def records(self) -> list[Record]:
        rows = []
        for code, (base, who, patterns) in PLAN.items():
            indicator = self.indicators[code]
            categories = indicator.categories or [""]
            for index in range(self.count(base)):
                category = categories[index % len(categories)]
                branch, unit = self.organisation(who, code, category)
                org = (branch or unit).name if (branch or unit) else ""
                title = self.rng.choice(patterns).format(
                    org=org,
                    category=category,
                    area=category,
                    topic=self.rng.choice(TOPICS),
                )
                if code == "A02":
                    title = f"{title}（{index + 1}）"
                # Small targets: all but the last item verified, so coverage shows what is done.
                settled = base <= 6 and index < base - 1
                status = RecordStatus.VERIFIED if settled else None
                rows.append(self.record(indicator, branch, unit, category, title, status=status))
        for code, snapshots in RANKS.items():
            for day, rank in snapshots:
                record = self.record(
                    self.indicators[code],
                    None,
                    None,
                    "",
                    "省级学会排名通报",
                    day=day,
                    status=RecordStatus.VERIFIED,
                )
                record.value = Decimal(rank)
                record.source_note = "四川省科协省级学会工作通报"
                rows.append(record)
        return rows

    def record(self, indicator, branch, unit, category, title, *, day=None, status=None):
        day = day or _day(self.rng)
        if status is None:
            roll = self.rng.random()
            status = (
                RecordStatus.REPORTED
                if roll < UNREVIEWED_SHARE
                else RecordStatus.REJECTED
                if roll < UNREVIEWED_SHARE + REJECTED_SHARE
                else RecordStatus.VERIFIED
            )
        officer = self.officers.get((branch.pk if branch else None, unit.pk if unit else None))
        record = Record(
            indicator=indicator,
            branch=branch,
            member_unit=unit,
            category=category,
            title=title[:200],
            occurred_on=day,
            quantity=1,
            description="按实施方案要求开展，相关材料见佐证。",
            status=status,
            reported_by=officer or self.staff,
        )
        if indicator.record_rules:
            record.published_on = _day(
                self.rng, datetime.date(2022, 1, 1), datetime.date(2023, 8, 1)
            )
            record.sichuan_author = True
            record.authors = "课题组"
            record.unique_key = "".join(record.title.split()).lower()
        if status != RecordStatus.REPORTED:
            record.verified_by = self.staff
            record.verified_at = _at(min(day + datetime.timedelta(days=7), END), 16)
            if status == RecordStatus.REJECTED:
                record.review_note = "佐证材料不足，请补充活动通知和照片后重新提交。"
        return record

    def build(self) -> dict:
        rows = self.records()
        demo_member = (
            Member.objects.filter(user__username=DEMO_MEMBER).select_related("employer").first()
        )
        if demo_member is not None:
            rows.append(self.current_service(demo_member))
        records = Record.objects.bulk_create(rows, batch_size=1000)
        evidence = []
        for record in records:
            name, size, digest = self.evidence_file(record.title)
            evidence.append(
                RecordEvidence(
                    record=record,
                    file=name,
                    original_name=f"{record.title[:60]}佐证.pdf",
                    extension="pdf",
                    content_type="application/pdf",
                    size=size,
                    sha256=digest,
                    uploaded_by=record.reported_by,
                )
            )
        RecordEvidence.objects.bulk_create(evidence, batch_size=1000)
        outreach = self.outreach()
        responses = self.satisfaction(records)
        responses += self.participants(records, demo_member)
        # Below scale 1 (the tests' small data sets) the six PDF renderings are skipped.
        reports = self.monthly_reports() if self.scale >= 1 else 0
        return {
            "records": len(records),
            "outreach": outreach,
            "responses": responses,
            "reports": reports,
        }

    def monthly_reports(self) -> int:
        """Progress reports at the end of each month of the programme, for the trend chart;
        each counts only what had been verified by then."""
        from .reports import report_build, report_create

        built = 0
        for month in (7, 8, 9, 10, 11, 12):
            last_day = (datetime.date(YEAR, month, 28) + datetime.timedelta(days=4)).replace(
                day=1
            ) - datetime.timedelta(days=1)
            report = report_create(
                year=YEAR, as_of=_at(last_day, 18), user=self.staff, scheduled=True
            )
            report_build(report.pk)
            built += 1
        return built

    def outreach(self) -> int:
        members = list(
            Member.objects.filter(status=MemberStatus.ACTIVE).values_list("pk", flat=True)
        )
        channels = OutreachChannel.values
        rows = []
        for pk in members:
            if self.rng.random() < 0.86:  # 科服保姆 reached most members by the end of the year
                rows.append(
                    Outreach(
                        member_id=pk,
                        contacted_on=_day(self.rng),
                        channel=self.rng.choice(channels),
                        staff=self.staff,
                        note="介绍天府科技云注册与科创工作室开设",
                    )
                )
        Outreach.objects.bulk_create(rows, batch_size=2000)
        return len(rows)

    def satisfaction(self, records: list[Record]) -> int:
        services = [  # of the programme year: this year's service waits for its answers
            r
            for r in records
            if r.indicator.code == "I05"
            and r.status == RecordStatus.VERIFIED
            and r.occurred_on.year == YEAR
        ]
        members = list(
            Member.objects.filter(status=MemberStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)[: 40 * len(services) + 1]
        )
        rows, seen = [], set()
        for service in services:
            for member in self.rng.sample(members, min(len(members), self.rng.randint(4, 12))):
                if (service.pk, member) in seen:
                    continue
                seen.add((service.pk, member))
                rating = self.rng.choices([5, 4, 3, 2], [62, 31, 5, 2])[0]
                rows.append(
                    SatisfactionResponse(
                        record=service,
                        member_id=member,
                        rating=rating,
                        comment="服务及时，专业性强。" if rating >= 4 else "希望加强后续跟踪。",
                    )
                )
        SatisfactionResponse.objects.bulk_create(rows, batch_size=2000)
        return len(rows)

    def current_service(self, member: Member) -> Record:
        """A service of this calendar year the demo member took part in, so that 服务评价
        (which asks about this year's services) has one to rate. Dated a fortnight ago, it is
        filed under the 2023 catalogue's I05: a verified record in a later catalogue would make
        the dashboard open on that nearly empty year."""
        today = timezone.localdate()
        day = min(today, max(today - datetime.timedelta(days=14), datetime.date(today.year, 1, 2)))
        unit = member.employer
        record = self.record(
            self.indicators["I05"],
            None,
            unit,
            "技术指导",
            f"{unit.name if unit else '学会'}既有建筑安全隐患排查技术指导服务（{today.year}年）",
            day=day,
            status=RecordStatus.VERIFIED,
        )
        record.verified_at = min(_at(day + datetime.timedelta(days=1), 16), timezone.now())
        return record

    def participants(self, records: list[Record], demo_member: Member | None) -> int:
        """Name members on verified papers, popular-science works, trainings and services:
        members of the reporting unit (or branch) where it has any. Everyone who answered a
        service's satisfaction form took part in it. The demo member appears on a paper, a
        training and two services (one of them rated). Returns the responses added."""
        rng = self.people_rng
        active = list(
            Member.objects.filter(status=MemberStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", "employer_id", "name")
        )
        names = {pk: name for pk, _unit, name in active}
        everyone = [pk for pk, _unit, _name in active]
        by_unit, by_branch = defaultdict(list), defaultdict(list)
        for pk, unit, _name in active:
            by_unit[unit].append(pk)
        for branch, member in (
            Member.branches.through.objects.filter(member__status=MemberStatus.ACTIVE)
            .order_by("branch_id", "member_id")
            .values_list("branch_id", "member_id")
        ):
            by_branch[branch].append(member)
        respondents = defaultdict(set)
        for record, member in SatisfactionResponse.objects.values_list("record_id", "member_id"):
            respondents[record].add(member)

        chosen: dict[int, set[int]] = {}
        for record in records:
            code = record.indicator.code
            if code not in PARTICIPANTS or record.status != RecordStatus.VERIFIED:
                continue
            low, high = PARTICIPANTS[code]
            pool = (
                by_unit.get(record.member_unit_id)
                if record.member_unit_id
                else by_branch.get(record.branch_id)
            ) or everyone
            if not pool:
                continue
            people = set(rng.sample(pool, min(len(pool), rng.randint(low, high))))
            chosen[record.pk] = people | respondents[record.pk]
        added = 0
        if demo_member is not None:
            names[demo_member.pk] = demo_member.name
            added = self.demo_member_records(records, chosen, demo_member)
        authored = [r for r in records if r.indicator.code in ("A02", "A05") and r.pk in chosen]
        for record in authored:
            record.authors = "、".join(names[pk] for pk in sorted(chosen[record.pk]))[:200]
        Record.objects.bulk_update(authored, ["authors"], batch_size=1000)
        through = Record.participants.through
        through.objects.bulk_create(
            [
                through(record_id=record, member_id=member)
                for record, people in chosen.items()
                for member in sorted(people)
            ],
            batch_size=5000,
        )
        return added

    def demo_member_records(self, records, chosen, member: Member) -> int:
        """Put the demo member on a paper, a training and a 2023 service (rated), besides this
        year's service (not rated yet)."""
        this_year = timezone.localdate().year

        def first(code, *, year=YEAR):
            candidates = [
                r
                for r in records
                if r.indicator.code == code
                and r.status == RecordStatus.VERIFIED
                and r.occurred_on.year == year
            ]
            own = [r for r in candidates if r.member_unit_id == member.employer_id]
            return next(iter(own or candidates), None)

        picked = [first("A02"), first("P05"), first("I05"), first("I05", year=this_year)]
        for record in picked:
            if record is not None and record.pk in chosen:
                chosen[record.pk].add(member.pk)
            elif record is not None:
                chosen[record.pk] = {member.pk}
        rated = picked[2]
        if rated is None or rated is picked[3]:
            return 0
        if SatisfactionResponse.objects.filter(record=rated, member=member).exists():
            return 0
        SatisfactionResponse.objects.create(
            record=rated, member=member, rating=5, comment="专家到现场指导，问题解决得很及时。"
        )
        return 1


def build_kpi_demo(*, scale: float = 1.0) -> dict:
    return KpiDemo(scale=scale).build()


def clear_kpi_demo() -> None:
    """Everything this module writes, and the reports built on it."""
    IndicatorSnapshot.objects.all().delete()
    ProgressReport.objects.all().delete()
    SatisfactionResponse.objects.all().delete()
    Outreach.objects.all().delete()
    RecordEvidence.objects.all().delete()
    Record.objects.all().delete()
