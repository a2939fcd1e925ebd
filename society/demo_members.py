"""个人会员与信息发布 in the demo: membership periods and dues for every member, a few
入会申请 in each state, the secretariat's notices and news, and the demo member's own
growth entries.

Deterministic like the rest of the demo (a fixed seed, bulk inserts); dates that must sit
around "now" (the current year's dues, recent applications, the notices of the calls open
now, a notice scheduled for next week) follow the day the data is built.
"""

import datetime
import hashlib
import random
from collections import defaultdict
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from .demo import OTHER_EMPLOYERS, Generator
from .enums import (
    ArticleKind,
    DuesStatus,
    MemberGrade,
    MemberStatus,
    ProfessionalTitle,
    RegistrationStatus,
    Role,
)
from .models import (
    Article,
    ArticleAttachment,
    Dues,
    GrowthEntry,
    Member,
    MemberNumberCounter,
    MembershipPeriod,
    Registration,
    User,
)
from .storage import private_storage

SEED = 2023_0901
DUES_YEARS = 3  # dues rows for the current year and the two before it
DUES_AMOUNT = {
    MemberGrade.STUDENT: Decimal("50.00"),
    MemberGrade.REGULAR: Decimal("100.00"),
    MemberGrade.SENIOR: Decimal("200.00"),
    MemberGrade.FELLOW: Decimal("300.00"),
}
# The grade a member held before their current one, if they were promoted.
EARLIER_GRADE = {
    MemberGrade.FELLOW: MemberGrade.SENIOR,
    MemberGrade.SENIOR: MemberGrade.REGULAR,
    MemberGrade.REGULAR: MemberGrade.STUDENT,
}
PROMOTED_SHARE = {MemberGrade.FELLOW: 1.0, MemberGrade.SENIOR: 0.5, MemberGrade.REGULAR: 0.15}
EXEMPT_SHARE = 0.03
UNPAID_SHARE_THIS_YEAR = 0.22
UNPAID_SHARE_EARLIER = 0.05
DEMO_MEMBER = "huiyuan"
STAFF_AUTHOR = "mishuchu"


def _at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _pdf_file(folder: str, lines: list[tuple[int, str]]) -> tuple[str, int]:
    """A small PDF stored once per content (kept across --reset, like the other demo PDFs)."""
    from projects.demo.pdf import simple_pdf

    content = simple_pdf(lines)
    name = f"{folder}/{hashlib.sha256(content).hexdigest()}.pdf"
    if not private_storage.exists(name):
        private_storage.save(name, ContentFile(content))
    return name, len(content)


class MemberDemo:
    def __init__(self, *, members, branches, units, areas, now, seed: int = SEED):
        self.rng = random.Random(seed)
        self.members = members
        self.branches = branches
        self.units = units
        self.areas = areas
        self.now = now
        self.today = timezone.localdate(now)
        self.staff = User.objects.filter(username=STAFF_AUTHOR).first() or (
            User.objects.filter(role=Role.STAFF, is_staff=True).order_by("pk").first()
        )

    # -- membership periods and dues ---------------------------------------------

    def last_year(self, member: Member) -> int | None:
        """The last year the member's membership ran (None: not yet approved)."""
        if member.status == MemberStatus.PENDING:
            return None
        first = member.joined_on.year
        if member.status == MemberStatus.ACTIVE:
            return max(first, self.today.year)
        return self.rng.randint(first, max(first, self.today.year - 1))  # lapsed or withdrawn

    def grades(self, member: Member, first: int, last: int) -> dict[int, str]:
        """The grade of each year: the current one, and before a promotion the one below."""
        earlier = EARLIER_GRADE.get(member.grade)
        promoted = (
            earlier is not None
            and last > first
            and self.rng.random() < PROMOTED_SHARE.get(member.grade, 0)
        )
        since = self.rng.randint(first + 1, last) if promoted else first
        return {year: member.grade if year >= since else earlier for year in range(first, last + 1)}

    def periods_and_dues(self) -> tuple[list[MembershipPeriod], list[Dues]]:
        periods, dues = [], []
        for member in self.members:
            last = self.last_year(member)
            if last is None:
                continue
            first = member.joined_on.year
            grades = self.grades(member, first, last)
            for year in range(first, last + 1):
                starts = member.joined_on if year == first else datetime.date(year, 1, 1)
                ends = datetime.date(year, 12, 31)
                if starts == ends:  # joined on 31 December: the first period runs a year on
                    continue
                periods.append(
                    MembershipPeriod(
                        member=member, grade=grades[year], starts_on=starts, ends_on=ends
                    )
                )
            for year in range(max(first, self.today.year - DUES_YEARS + 1), last + 1):
                dues.append(self.dues(member, year, grades[year], lapsing=year == last))
        return periods, dues

    def dues(self, member: Member, year: int, grade: str, *, lapsing: bool) -> Dues:
        row = Dues(member=member, year=year, amount=DUES_AMOUNT[grade])
        roll = self.rng.random()
        unpaid = UNPAID_SHARE_THIS_YEAR if year == self.today.year else UNPAID_SHARE_EARLIER
        if member.status != MemberStatus.ACTIVE and lapsing:
            unpaid = 0.8  # most who left stopped paying in their last year
        if roll < EXEMPT_SHARE:
            row.status = DuesStatus.EXEMPT
        elif roll < EXEMPT_SHARE + unpaid:
            row.status = DuesStatus.UNPAID
        else:
            row.status = DuesStatus.PAID
            # Most pay in the first half of the year; this year's payments are all in the past.
            start = max(datetime.date(year, 1, 5), member.joined_on)
            end = datetime.date(year, 6, 30)
            if year == self.today.year:
                end = min(end, self.today)
            if end < start:  # the first days of January: nobody has paid yet
                row.status = DuesStatus.UNPAID
                return row
            row.paid_on = start + datetime.timedelta(
                days=self.rng.randrange((end - start).days + 1)
            )
        return row

    @staticmethod
    def number_receipts(dues: list[Dues]) -> None:
        """Receipt numbers HF-<year>-<nnnnn> in order of payment."""
        per_year = defaultdict(list)
        for row in dues:
            if row.status == DuesStatus.PAID:
                per_year[row.year].append(row)
        for year, rows in per_year.items():
            rows.sort(key=lambda row: (row.paid_on, row.member.member_number))
            for number, row in enumerate(rows, start=1):
                row.receipt_number = f"HF-{year}-{number:05d}"

    def demo_member_dues(self, dues: list[Dues], member: Member | None) -> None:
        """The demo member paid the earlier years and still owes this year's dues, so the
        member page, the renewal reminder and the secretariat's 登记会费 have something to show."""
        if member is None:
            return
        for row in dues:
            if row.member.pk != member.pk:
                continue
            if row.year == self.today.year:
                row.status, row.paid_on = DuesStatus.UNPAID, None
            elif row.status != DuesStatus.PAID:
                row.status, row.paid_on = DuesStatus.PAID, datetime.date(row.year, 3, 12)

    # -- 入会申请 ------------------------------------------------------------------

    def registrations(self) -> list[Registration]:
        """3 waiting for approval, 2 waiting for their e-mail confirmation, 2 approved earlier
        (linked to their members) and 1 refused with a reason."""
        gen = Generator(SEED)
        gen.rng = self.rng
        gen.phones = set(Member.objects.values_list("phone", flat=True))
        rows = []

        def applicant(index: int, days_ago: int, status: str) -> Registration:
            gender = gen.gender()
            unit = self.rng.choice(self.units) if self.rng.random() < 0.6 else None
            created = self.now - datetime.timedelta(days=days_ago, hours=self.rng.randint(1, 8))
            row = Registration(
                name=gen.name(gender),
                gender=gender,
                phone=gen.mobile(),
                email=f"applicant{index:02d}@example.com",
                employer=unit,
                employer_name=unit.name if unit else self.rng.choice(OTHER_EMPLOYERS),
                title=self.rng.choice(
                    [
                        ProfessionalTitle.ENGINEER,
                        ProfessionalTitle.SENIOR_ENGINEER,
                        ProfessionalTitle.ASSISTANT_ENGINEER,
                        ProfessionalTitle.LECTURER,
                    ]
                ),
                consent_at=created,
                status=status,
            )
            row.created_at = created
            if status != RegistrationStatus.UNCONFIRMED:
                row.email_confirmed_at = created + datetime.timedelta(
                    minutes=self.rng.randint(3, 90)
                )
            return row

        for index, days_ago in enumerate((3, 6, 11), start=1):
            rows.append(applicant(index, days_ago, RegistrationStatus.PENDING))
        for index, days_ago in enumerate((0, 1), start=4):
            rows.append(applicant(index, days_ago, RegistrationStatus.UNCONFIRMED))
        refused = applicant(6, 40, RegistrationStatus.REJECTED)
        refused.employer, refused.employer_name = None, "成都某房产中介有限公司"
        refused.title = ""
        refused.decision_note = (
            "申请人从事房产销售工作，与土木建筑科技工作无关，且未提供专业技术职称或相关工作证明，"
            "不符合学会章程规定的个人会员条件。"
        )
        refused.decided_by = self.staff
        refused.decided_at = refused.created_at + datetime.timedelta(days=2, hours=3)
        rows.append(refused)
        for member in self.approved_members():
            joined = _at(member.joined_on, 10)
            row = Registration(
                name=member.name,
                gender=member.gender,
                phone=member.phone,
                email=member.email or f"{member.member_number.lower()}@example.com",
                employer=member.employer,
                employer_name=member.employer.name if member.employer else member.employer_name,
                title=member.title,
                consent_at=joined - datetime.timedelta(days=4),
                email_confirmed_at=joined
                - datetime.timedelta(days=4)
                + datetime.timedelta(minutes=12),
                status=RegistrationStatus.APPROVED,
                decided_by=self.staff,
                decided_at=joined,
                member=member,
            )
            row.created_at = row.consent_at
            rows.append(row)
        return rows

    def approved_members(self) -> list[Member]:
        """The two latest active members without a login: they joined through the sign-up page."""
        candidates = [
            m for m in self.members if m.status == MemberStatus.ACTIVE and m.user_id is None
        ]
        return sorted(candidates, key=lambda m: (m.joined_on, m.member_number))[-2:]

    def save_registrations(self, rows: list[Registration]) -> None:
        created = [row.created_at for row in rows]
        saved = Registration.objects.bulk_create(rows)
        for row, moment in zip(saved, created, strict=True):
            # created_at is set on insert; put back the moment each application came in.
            Registration.objects.filter(pk=row.pk).update(
                created_at=moment, updated_at=row.decided_at or row.email_confirmed_at or moment
            )
        Registration.branches.through.objects.bulk_create(
            [
                Registration.branches.through(registration_id=row.pk, branch_id=branch.pk)
                for row in saved
                for branch in self.rng.sample(self.branches, self.rng.randint(1, 2))
            ]
        )
        if self.areas:
            Registration.expertise.through.objects.bulk_create(
                [
                    Registration.expertise.through(registration_id=row.pk, expertisearea_id=area.pk)
                    for row in saved
                    for area in self.rng.sample(self.areas, min(len(self.areas), 2))
                ]
            )

    # -- 信息发布 ------------------------------------------------------------------

    def articles(self) -> list[tuple[Article, list[tuple[str, list]]]]:
        """Published notices and news of 2023 to now (each with its attachments' titles and
        PDF lines), an unpublished draft and one scheduled for next week."""
        from projects.models import Call

        calls = list(Call.objects.order_by("year", "pk"))
        call_2023 = next((c for c in calls if c.year == 2023), None)
        in_review = next((c for c in calls if c.year == self.today.year), None)
        open_now = next(
            (c for c in calls if c.applications_open_at <= self.now < c.applications_close_at),
            None,
        )
        rows = []

        def add(kind, title, body, publish_at, *, summary="", call=None, published=True, files=()):
            article = Article(
                kind=kind,
                title=title,
                summary=summary,
                body=body,
                publish_at=publish_at,
                published=published,
                call=call,
                author=self.staff,
            )
            rows.append((article, list(files)))

        if call_2023 is not None:
            add(
                ArticleKind.CALL,
                "关于开展2023年度创建一流科技社团培育奖励申报工作的通知",
                call_2023.notice or "申报通知见附件。",
                call_2023.applications_open_at - datetime.timedelta(days=6),
                summary="面向会员单位、分支机构设立30个培育奖励，每个3000元，7月1日起在线申报。",
                call=call_2023,
                files=[
                    (
                        "附件1：创建一流科技社团培育奖励申报书（样表）.pdf",
                        [(16, "创建一流科技社团培育奖励申报书（样表）"), (11, "申报单位（盖章）：")]
                        + [
                            (11, line)
                            for line in (
                                "一、项目简介",
                                "二、具体方案",
                                "三、预期成果",
                                "四、经费预算",
                                "五、项目团队",
                            )
                        ],
                    )
                ],
            )
            add(
                ArticleKind.NOTICE,
                "2023年度创建一流科技社团培育奖励拟奖励项目公示",
                self.award_notice_body(call_2023),
                _at(datetime.date(2023, 9, 18), 9),
                summary="公示期2023年9月18日至9月22日，对公示项目有异议的可实名反映。",
            )
            add(
                ArticleKind.ANNOUNCEMENT,
                "关于2023年度创建一流科技社团培育奖励结果的公告",
                "经专家评审、网上公示（2023年9月18日至22日），学会确定30个项目获得2023年度"
                "创建一流科技社团培育奖励，每项奖励3000元。公示期间收到实名异议2件，经核查，"
                "1件不成立，1件涉及申报书团队成员职称笔误，已责成更正，不影响奖励结果。\n"
                "获奖单位请按实施方案组织实施，按进度节点在学会平台报告进展，12月底前提交工作"
                "总结，学会将于2024年1月组织验收。",
                _at(datetime.date(2023, 9, 26), 10),
            )
        add(
            ArticleKind.ACTIVITY,
            "“土木科普进社区”活动走进成都市武侯区",
            "10月21日，学会科普工作委员会在成都市武侯区玉林街道开展“土木科普进社区”活动。"
            "来自会员单位的12名专家为居民讲解房屋安全常识、装修改造中的承重墙保护和地震应急"
            "避险知识，现场解答居民咨询60余人次，发放科普读物500余册。\n"
            "“土木科普进社区”是学会打造的科普活动品牌，今后将每季度走进一个社区。",
            _at(datetime.date(2023, 10, 23), 15, 30),
        )
        add(
            ArticleKind.ANNOUNCEMENT,
            "关于个人会员在天府科技云完成注册的通知",
            "各位会员：\n根据省科协工作要求，请尚未在“天府科技云”注册的个人会员于2024年4月30日前"
            "完成注册，并在学会平台“我的资料”中填写天府科技云账号。具备条件的会员可在天府科技云"
            "开设科创工作室，并将链接填入“我的资料”。\n注册中遇到问题，可联系秘书处会员服务部。",
            _at(datetime.date(2024, 3, 8), 9, 30),
        )
        add(
            ArticleKind.ACTIVITY,
            "减隔震技术应用专题培训班在德阳举办",
            "6月13日至14日，学会减隔震技术专业委员会在德阳举办减隔震技术应用专题培训班，"
            "全省设计、施工、检测单位的160余名技术人员参加。培训围绕《建设工程抗震管理条例》"
            "实施要求、隔震支座检测与验收、减震结构设计要点等内容展开，并组织学员现场观摩"
            "隔震建筑施工。",
            _at(datetime.date(2024, 6, 17), 11),
        )
        add(
            ArticleKind.NEWS,
            "学会召开第八届理事会第三次会议",
            "12月20日，学会第八届理事会第三次会议在成都召开。会议审议通过了学会2024年工作"
            "总结和2025年工作要点，审议了会费收缴与使用情况报告，增补了2名理事。会议要求各分支"
            "机构、会员单位围绕创建一流科技社团目标，做好会员服务和学术交流工作。",
            _at(datetime.date(2024, 12, 23), 10),
        )
        add(
            ArticleKind.ACTIVITY,
            "2025年天府论建学术年会在成都召开",
            "11月14日至15日，2025年天府论建学术年会在成都召开，主题为“智能建造与城市更新”。"
            "年会设主论坛和结构工程、岩土与地下工程、桥梁隧道、智能建造4个分论坛，来自高校、"
            "设计院和施工企业的600余名代表参会，交流论文86篇，评选优秀论文20篇。",
            _at(datetime.date(2025, 11, 18), 16),
        )
        add(
            ArticleKind.ANNOUNCEMENT,
            f"关于缴纳{self.today.year}年度会费的通知",
            f"各位会员：\n{self.today.year}年度个人会员会费标准为：学生会员50元，会员100元，"
            "高级会员200元，资深会员300元。请于6月30日前通过学会对公账户缴纳，并在备注中"
            "注明会员编号和姓名；秘书处收款后登记并开具票据，会员可在学会平台查看缴费记录。\n"
            "会籍到期前30天仍未缴费的，平台将发送续会提醒。",
            _at(datetime.date(self.today.year, 1, 8), 9),
        )
        add(
            ArticleKind.NEWS,
            "学会会员管理系统开通个人会员在线入会",
            "学会网站会员管理系统开通个人会员在线入会功能。个人可在网站“申请入会”在线提交入会"
            "申请，经邮箱确认和秘书处审核后获得会员编号和登录账号；会员登录后可维护个人资料、"
            "查看个人成长足迹、下载会员证、评价学会提供的科技服务。",
            min(_at(datetime.date(2026, 3, 2), 10), self.now - datetime.timedelta(days=30)),
        )
        for call, title in (
            (in_review, "关于开展{year}年度创建一流科技社团培育奖励申报工作的通知"),
            (open_now, "关于开展{year}年度创建一流科技社团培育奖励预申报工作的通知"),
        ):
            if call is not None:
                add(
                    ArticleKind.CALL,
                    title.format(year=call.year),
                    call.notice or "申报通知见申报页面。",
                    min(call.applications_open_at, self.now - datetime.timedelta(hours=1)),
                    summary="每个单位限报1项，请登录学会平台在线填报。",
                    call=call,
                )
        add(
            ArticleKind.ANNOUNCEMENT,
            f"关于召开{self.today.year}年天府论建学术年会的预通知",
            "年会拟于12月中旬在成都召开，征文通知另行发布。（草稿，待秘书长审定）",
            self.now - datetime.timedelta(days=1),
            published=False,
        )
        add(
            ArticleKind.ANNOUNCEMENT,
            f"关于{self.today.year + 1}年元旦假期秘书处值班安排的通知",
            f"{self.today.year + 1}年1月1日放假1天。假期期间秘书处安排专人值班，会员服务热线"
            "正常接听。",
            _at(self.today + datetime.timedelta(days=7), 9),
        )
        return rows

    def award_notice_body(self, call) -> str:
        from awards.models import Award

        awards = (
            Award.objects.filter(pool__call=call, rank__isnull=False)
            .select_related("application__branch", "application__member_unit")
            .order_by("rank", "pk")
        )
        lines = [
            "根据《四川省土木建筑学会创建一流科技社团工作实施方案》，经形式审查和专家评审，"
            "现将2023年度创建一流科技社团培育奖励拟奖励项目予以公示（按评审排名）：",
        ]
        for award in awards:
            application = award.application
            organisation = application.branch or application.member_unit
            lines.append(f"{award.rank}. {organisation}：{application.title}")
        lines.append(
            "公示期：2023年9月18日至9月22日（5个工作日）。对公示项目有异议的，请在公示期内通过"
            "学会平台“公示”栏目实名提出，并提供必要的证明材料。\n四川省土木建筑学会秘书处"
        )
        return "\n".join(lines)

    def save_articles(self, rows) -> tuple[int, int]:
        articles = Article.objects.bulk_create([article for article, _files in rows])
        attachments = []
        for article, (_, files) in zip(articles, rows, strict=True):
            for original_name, lines in files:
                name, size = _pdf_file("articles/demo", lines)
                attachments.append(
                    ArticleAttachment(
                        article=article, file=name, original_name=original_name, size=size
                    )
                )
        ArticleAttachment.objects.bulk_create(attachments)
        return len(articles), len(attachments)

    # -- the demo member's own growth entries --------------------------------------

    def growth_entries(self, member: Member) -> list[GrowthEntry]:
        year = max(member.joined_on.year + 1, 2021)
        evidence, _size = _pdf_file(
            "growth/demo",
            [
                (16, "一级注册结构工程师执业资格证书"),
                (11, f"姓名：{member.name}"),
                (11, "（演示用）"),
            ],
        )
        return [
            GrowthEntry(
                member=member,
                occurred_on=datetime.date(year, 10, 15),
                title="取得一级注册结构工程师执业资格",
                description="全国一级注册结构工程师资格考试合格，取得执业资格证书。",
                evidence=evidence,
                evidence_name="一级注册结构工程师证书.pdf",
            ),
            GrowthEntry(
                member=member,
                occurred_on=datetime.date(2024, 5, 20),
                title="参编四川省工程建设地方标准《既有建筑安全性检测鉴定技术标准》",
                description="负责第5章“混凝土结构”的编写。",
            ),
            GrowthEntry(
                member=member,
                occurred_on=datetime.date(2025, 11, 15),
                title="在2025年天府论建学术年会结构工程分论坛作报告",
                description="报告题目：装配式混凝土框架节点抗震性能试验研究。",
            ),
        ]

    # -- all of it -----------------------------------------------------------------

    def build(self) -> dict:
        demo_member = Member.objects.filter(user__username=DEMO_MEMBER).first()
        periods, dues = self.periods_and_dues()
        self.demo_member_dues(dues, demo_member)
        self.number_receipts(dues)
        MembershipPeriod.objects.bulk_create(periods, batch_size=5000)
        Dues.objects.bulk_create(dues, batch_size=5000)
        registrations = self.registrations()
        self.save_registrations(registrations)
        articles, attachments = self.save_articles(self.articles())
        entries = self.growth_entries(demo_member) if demo_member is not None else []
        GrowthEntry.objects.bulk_create(entries)
        return {
            "periods": len(periods),
            "dues": len(dues),
            "registrations": len(registrations),
            "articles": articles,
            "attachments": attachments,
            "growth_entries": len(entries),
        }


def build_member_demo(*, members, branches, units, areas, now=None, seed: int = SEED) -> dict:
    return MemberDemo(
        members=members,
        branches=branches,
        units=units,
        areas=areas,
        now=now or timezone.now(),
        seed=seed,
    ).build()


def clear_member_demo() -> None:
    """Everything this module writes (before the members and accounts it hangs from)."""
    Article.objects.all().delete()  # with its attachments; the stored demo PDFs stay
    Registration.objects.all().delete()
    GrowthEntry.objects.all().delete()
    Dues.objects.all().delete()
    MembershipPeriod.objects.all().delete()
    MemberNumberCounter.objects.all().delete()
