"""A deterministic, realistic (but fictitious) data set for demos, tests and benchmarks.

Every name, credit code and phone number below is generated from a fixed seed: two runs
at the same scale give the same registry. The organisations and people are invented;
the credit codes carry valid check characters but belong to no real organisation, and
e-mail addresses use the reserved example.org / example.com domains.

`build_demo_data(scale=...)` writes everything with bulk inserts (no per-row full_clean):
the generators below produce valid values, and tests validate a sample.
"""

import datetime
import random
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .enums import (
    BranchType,
    Gender,
    MemberGrade,
    MemberStatus,
    OrgStatus,
    ProfessionalTitle,
    Role,
    UnitGrade,
    UnitType,
)
from .models import Branch, Expert, ExpertiseArea, Member, MemberUnit, StaffMember, User
from .validators import CREDIT_CODE_ALPHABET, credit_code_check_char

SEED = 20230601
DEMO_PASSWORD = "Sctj@2023demo"
BASE_UNITS = 150
BASE_MEMBERS = 2000
BASE_EXPERTS = 60
DEMO_BRANCH = "建筑结构专业委员会"


def words(text: str) -> list[str]:
    """A list written as space-separated words, to keep the long name lists compact."""
    return text.split()


# ---------------------------------------------------------------------------
# Fixed parts: branches and staff do not grow with the scale.
# ---------------------------------------------------------------------------

# (name, type, established year, party group?)
BRANCHES = [
    ("建筑结构专业委员会", BranchType.PROFESSIONAL, 1986, True),
    ("桥梁与隧道工程专业委员会", BranchType.PROFESSIONAL, 1988, True),
    ("岩土工程专业委员会", BranchType.PROFESSIONAL, 1987, True),
    ("建筑施工专业委员会", BranchType.PROFESSIONAL, 1990, True),
    ("建筑材料专业委员会", BranchType.PROFESSIONAL, 1992, True),
    ("减隔震技术专业委员会", BranchType.PROFESSIONAL, 2012, False),
    ("智能建造专业委员会", BranchType.PROFESSIONAL, 2021, False),
    ("工程管理专业委员会", BranchType.PROFESSIONAL, 2005, True),
    ("学术工作委员会", BranchType.WORKING, 1984, True),
    ("教育工作委员会", BranchType.WORKING, 1985, True),
    ("科普工作委员会", BranchType.WORKING, 1995, True),
    ("组织工作委员会", BranchType.WORKING, 1984, True),
    ("成都市土木建筑学会", BranchType.LOCAL, 1980, True),
    ("绵阳市土木建筑学会", BranchType.LOCAL, 1983, True),
    ("德阳市土木建筑学会", BranchType.LOCAL, 1986, True),
    ("宜宾市土木建筑学会", BranchType.LOCAL, 1989, True),
    ("南充市土木建筑学会", BranchType.LOCAL, 1991, True),
    ("乐山市土木建筑学会", BranchType.LOCAL, 1993, True),
    ("泸州市土木建筑学会", BranchType.LOCAL, 1994, False),
]

BRANCH_DESCRIPTIONS = {
    BranchType.PROFESSIONAL: "围绕{field}开展学术交流、技术咨询、标准研制和人才培训。",
    BranchType.WORKING: "负责学会{field}方面的组织协调工作。",
    BranchType.LOCAL: "{field}的土木建筑科技工作者组织，协同省学会开展活动。",
}

STAFF_POSITIONS = [
    ("秘书长", 2016),
    ("副秘书长", 2018),
    ("综合办公室主任", 2019),
    ("会员服务部主任", 2020),
    ("学术与科普部主任", 2021),
    ("财务主管", 2021),
    ("信息化专员", 2023),
]

# ---------------------------------------------------------------------------
# Places: administrative division codes (GB/T 2260) with districts and phone area codes.
# ---------------------------------------------------------------------------

# city: (telephone area code, [(division code, district), ...], weight)
CITIES = {
    "成都": (
        "028",
        [
            ("510104", "锦江区"),
            ("510105", "青羊区"),
            ("510106", "金牛区"),
            ("510107", "武侯区"),
            ("510108", "成华区"),
            ("510112", "龙泉驿区"),
            ("510116", "双流区"),
            ("510117", "郫都区"),
            ("510113", "青白江区"),
        ],
        10,
    ),
    "绵阳": ("0816", [("510703", "涪城区"), ("510704", "游仙区")], 2),
    "德阳": ("0838", [("510603", "旌阳区"), ("510604", "罗江区")], 2),
    "宜宾": ("0831", [("511502", "翠屏区"), ("511503", "南溪区")], 2),
    "南充": ("0817", [("511302", "顺庆区"), ("511303", "高坪区")], 2),
    "乐山": ("0833", [("511102", "市中区"), ("511112", "五通桥区")], 1),
    "泸州": ("0830", [("510502", "江阳区"), ("510504", "龙马潭区")], 2),
    "自贡": ("0813", [("510302", "自流井区")], 1),
    "遂宁": ("0825", [("510903", "船山区")], 1),
    "眉山": ("028", [("511402", "东坡区")], 1),
    "达州": ("0818", [("511702", "通川区")], 1),
}
ROADS = words(
    "人民南路 一环路南一段 天府大道 蜀汉路 科华北路 建设路 滨江路 解放路 长江路 "
    "临江路 高新大道 迎宾大道 学府路 工业园区大道 翠柏路 锦华路 航空路 沿江路 "
    "新华路 中山路"
)

BRANDS = words(
    "蜀安 天府 锦城 蓉城 巴蜀 华蓥 峨眉 青城 岷江 沱江 嘉陵 金沙 雅砻 大渡 剑门 "
    "西岭 龙泉 玉垒 浣花 蜀道 川建 蜀鑫 华构 筑诚 鼎立 恒基 宏图 博远 众诚 中卓 "
    "安泰 精筑 广厦 润土 坤元 磐石 正衡 联创 新川 汇通 同创 川西 蜀都 蜀信 华川 "
    "信达 鑫源 昊天 晟达 鸿业 嘉诚 瑞泽 永固 通衢 锦程 德筑 泰和 宏达 兴川 远大"
)

# unit type: (weight, [name templates]); {city} {brand} {district} are filled in.
UNIT_KINDS = {
    UnitType.CONSTRUCTION: (
        30,
        [
            "{city}{brand}建工集团有限公司",
            "{city}{brand}建设工程有限公司",
            "四川{brand}建筑工程有限公司",
            "四川{brand}路桥建设集团有限公司",
            "{city}{brand}市政工程有限公司",
            "四川{brand}装配式建筑科技有限公司",
            "{city}{brand}建筑安装工程有限公司",
        ],
    ),
    UnitType.DESIGN: (
        25,
        [
            "{city}{brand}建筑设计研究院有限公司",
            "四川{brand}勘察设计院有限公司",
            "{city}{brand}岩土工程勘察院有限公司",
            "四川{brand}工程设计咨询有限公司",
            "{city}{brand}市政工程设计研究院有限公司",
            "四川{brand}城乡规划设计研究院有限公司",
        ],
    ),
    UnitType.TESTING: (
        15,
        [
            "四川{brand}建设工程质量检测有限公司",
            "{city}{brand}工程检测有限公司",
            "四川{brand}工程项目管理咨询有限公司",
            "{city}{brand}工程监理有限公司",
            "四川{brand}结构安全鉴定有限公司",
        ],
    ),
    UnitType.UNIVERSITY: (
        8,
        [
            "四川{brand}职业技术学院",
            "{city}{brand}学院",
            "四川{brand}建筑职业技术学院",
            "{brand}科技大学",
        ],
    ),
    UnitType.RESEARCH: (
        7,
        [
            "四川{brand}建筑科学研究院有限公司",
            "{city}{brand}建筑科学研究院",
            "四川{brand}工程技术研究院有限公司",
        ],
    ),
    UnitType.PUBLIC: (
        4,
        [
            "{city}市{district}建设工程质量安全监督站",
            "{city}市{district}城市建设发展中心",
            "{city}市{district}建设工程造价管理站",
        ],
    ),
    UnitType.OTHER: (
        11,
        [
            "四川{brand}建材有限公司",
            "{city}{brand}绿色建筑科技有限公司",
            "四川{brand}智能科技有限公司",
            "{city}{brand}房地产开发有限公司",
        ],
    ),
}
# GB 32100 registration authority + category: 91 = enterprise (市场监管), 12 = public
# institution (机构编制, 事业单位).
CREDIT_PREFIX = {UnitType.UNIVERSITY: "12", UnitType.PUBLIC: "12", UnitType.RESEARCH: "12"}
UNIT_GRADES = [
    (UnitGrade.MEMBER, 60),
    (UnitGrade.COUNCIL, 25),
    (UnitGrade.STANDING, 10),
    (UnitGrade.VICE_PRESIDENT, 5),
]

# Employers of members who are not member units (free text, never linked).
OTHER_EMPLOYERS = words(
    "西南交通大学 四川大学 西南科技大学 西华大学 成都理工大学 西南石油大学 "
    "四川农业大学 成都大学 四川建筑职业技术学院 攀枝花学院 中铁二院工程集团有限责任公司 "
    "中国五冶集团有限公司 四川省交通勘察设计研究院有限公司"
)

# ---------------------------------------------------------------------------
# People.
# ---------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤蒲税苟"
)
MALE_GIVEN = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新"
    "利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐"
    "绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌栋维启克伦翔旭鹏泽晨"
    "辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
)
FEMALE_GIVEN = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香"
    "月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓"
    "纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥"
    "筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
)

TITLES_ENGINEERING = [
    (ProfessionalTitle.SENIOR_ENGINEER_PROF, 6),
    (ProfessionalTitle.SENIOR_ENGINEER, 30),
    (ProfessionalTitle.ENGINEER, 34),
    (ProfessionalTitle.ASSISTANT_ENGINEER, 14),
    (ProfessionalTitle.ARCHITECT, 5),
    (ProfessionalTitle.OTHER, 5),
    ("", 6),
]
TITLES_ACADEMIC = [
    (ProfessionalTitle.PROFESSOR, 20),
    (ProfessionalTitle.ASSOCIATE_PROFESSOR, 35),
    (ProfessionalTitle.LECTURER, 30),
    (ProfessionalTitle.RESEARCHER, 5),
    (ProfessionalTitle.ASSOCIATE_RESEARCHER, 10),
]
SENIOR_TITLES = {
    ProfessionalTitle.SENIOR_ENGINEER_PROF,
    ProfessionalTitle.SENIOR_ENGINEER,
    ProfessionalTitle.PROFESSOR,
    ProfessionalTitle.ASSOCIATE_PROFESSOR,
    ProfessionalTitle.RESEARCHER,
    ProfessionalTitle.ASSOCIATE_RESEARCHER,
    ProfessionalTitle.ARCHITECT,
}
MEMBER_STATUSES = [
    (MemberStatus.ACTIVE, 88),
    (MemberStatus.LAPSED, 7),
    (MemberStatus.PENDING, 3),
    (MemberStatus.WITHDRAWN, 2),
]
MOBILE_PREFIXES = words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 173 "
    "177 180 181 182 183 185 186 187 188 189 191 198 199"
)
FIRST_YEAR, LAST_YEAR = 2005, 2023

# ---------------------------------------------------------------------------
# Demo accounts: one per role.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    last_name: str
    first_name: str
    role: str
    label: object  # lazy translated role label for the printed table
    can_do: object


DEMO_ACCOUNTS = [
    DemoAccount(
        "admin", "系统", "管理员", Role.STAFF, _("超级管理员"), _("管理后台全部功能，含用户与权限")
    ),
    DemoAccount(
        "mishuchu",
        "陈",
        "静",
        Role.STAFF,
        _("秘书处"),
        _("管理后台：维护分支机构、会员单位、会员、专家，Excel 导入导出，操作日志"),
    ),
    DemoAccount(
        "fenhui",
        "刘",
        "建国",
        Role.OFFICER,
        _("分支机构联络员"),
        _("门户：维护建筑结构专业委员会资料，查看其会员，项目申报"),
    ),
    DemoAccount(
        "danwei",
        "王",
        "磊",
        Role.OFFICER,
        _("会员单位联络员"),
        _("门户：维护本单位资料，查看本单位会员，项目申报"),
    ),
    DemoAccount(
        "zhuanjia", "张", "志强", Role.EXPERT, _("评审专家"), _("门户：分配给本人的评审任务")
    ),
    DemoAccount("lingdao", "李", "明德", Role.LEADER, _("学会领导"), _("门户：学会概况（只读）")),
    DemoAccount(
        "huiyuan",
        "赵",
        "雪梅",
        Role.MEMBER,
        _("个人会员"),
        _("门户：我的资料、成长足迹、服务评价、会员证"),
    ),
]


# ---------------------------------------------------------------------------
# Generators.
# ---------------------------------------------------------------------------


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of a 9-character organisation code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(char, 36) * weight for char, weight in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(rng: random.Random, prefix: str, division: str) -> str:
    """A 统一社会信用代码: authority + category, division code, organisation code, check."""
    if prefix == "91" and rng.random() < 0.6:
        # Enterprises registered since 2015 get codes like MA6xxxxx from the register.
        body = "MA6" + "".join(rng.choices(CREDIT_CODE_ALPHABET, k=5))
    else:
        body = "".join(rng.choices("0123456789", k=8))
    first17 = prefix + division + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


class Generator:
    """Draws people, phones and places from one seeded random stream."""

    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.phones: set[str] = set()

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def landline(self, city: str) -> str:
        area = CITIES[city][0]
        digits = 8 if len(area) == 3 else 7
        first = self.rng.choice("2345678")
        rest = "".join(self.rng.choices("0123456789", k=digits - 1))
        return f"{area}-{first}{rest}"

    def gender(self) -> str:
        return Gender.MALE if self.rng.random() < 0.72 else Gender.FEMALE

    def name(self, gender: str) -> str:
        chars = MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN
        given_length = 1 if self.rng.random() < 0.3 else 2
        given = "".join(self.rng.choices(chars, k=given_length))
        return self.rng.choice(SURNAMES) + given

    def city(self) -> str:
        return self.rng.choices(list(CITIES), weights=[c[2] for c in CITIES.values()])[0]

    def place(self, city: str) -> tuple[str, str]:
        return self.rng.choice(CITIES[city][1])

    def date(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randrange((end - start).days + 1))

    def join_year(self) -> int:
        # The society grows: later years weigh more.
        years = range(FIRST_YEAR, LAST_YEAR + 1)
        return self.rng.choices(years, weights=[1 + (y - FIRST_YEAR) for y in years])[0]


def scaled(base: int, scale: float) -> int:
    return max(1, round(base * scale))


def build_branches(gen: Generator) -> list[Branch]:
    branches = []
    for index, (name, branch_type, year, party_group) in enumerate(BRANCHES, start=1):
        established = gen.date(datetime.date(year, 3, 1), datetime.date(year, 11, 30))
        party_group_on = (
            gen.date(max(established, datetime.date(2019, 1, 1)), datetime.date(2023, 6, 30))
            if party_group
            else None
        )
        city = name[:2] if branch_type == BranchType.LOCAL else "成都"
        field = name.removesuffix("专业委员会").removesuffix("工作委员会")
        if branch_type == BranchType.LOCAL:
            field = name.removesuffix("土木建筑学会") + "地区"
        branches.append(
            Branch(
                name=name,
                branch_type=branch_type,
                leader=gen.name(gen.gender()),
                contact_person=gen.name(gen.gender()),
                contact_phone=gen.landline(city) if index % 3 == 0 else gen.mobile(),
                email=f"branch{index:02d}@sctj.example.org",
                established_on=established,
                party_group=party_group,
                party_group_on=party_group_on,
                description=BRANCH_DESCRIPTIONS[branch_type].format(field=field),
                status=OrgStatus.ACTIVE,
            )
        )
    return Branch.objects.bulk_create(branches)


def unit_name(gen: Generator, unit_type: str, city: str, district: str) -> str:
    template = gen.rng.choice(UNIT_KINDS[unit_type][1])
    return template.format(city=city, brand=gen.rng.choice(BRANDS), district=district)


def build_units(gen: Generator, count: int) -> list[MemberUnit]:
    units, names, codes = [], set(), set()
    kinds = [(unit_type, kind[0]) for unit_type, kind in UNIT_KINDS.items()]
    while len(units) < count:
        unit_type = weighted(gen.rng, kinds)
        city = gen.city()
        division, district = gen.place(city)
        name = unit_name(gen, unit_type, city, district)
        if name in names:
            continue
        code = make_credit_code(gen.rng, CREDIT_PREFIX.get(unit_type, "91"), division)
        if code in codes:
            continue
        names.add(name)
        codes.add(code)
        number = gen.rng.randrange(1, 400)
        units.append(
            MemberUnit(
                name=name,
                credit_code=code,
                unit_type=unit_type,
                grade=weighted(gen.rng, UNIT_GRADES),
                liaison_name=gen.name(gen.gender()),
                liaison_phone=gen.mobile() if gen.rng.random() < 0.8 else gen.landline(city),
                email=f"unit{len(units) + 1:05d}@example.com" if gen.rng.random() < 0.7 else "",
                address=f"四川省{city}市{district}{gen.rng.choice(ROADS)}{number}号",
                joined_on=gen.date(datetime.date(2005, 1, 1), datetime.date(2023, 6, 30)),
                status=OrgStatus.ACTIVE if gen.rng.random() < 0.95 else OrgStatus.SUSPENDED,
            )
        )
    return MemberUnit.objects.bulk_create(units, batch_size=1000)


def member_title(gen: Generator, unit: MemberUnit | None, employer_name: str) -> str:
    academic = (unit is not None and unit.unit_type == UnitType.UNIVERSITY) or (
        unit is None and ("大学" in employer_name or "学院" in employer_name)
    )
    return weighted(gen.rng, TITLES_ACADEMIC if academic else TITLES_ENGINEERING)


def member_grade(gen: Generator, title: str, age_years: int) -> str:
    if title in SENIOR_TITLES and age_years >= 10 and gen.rng.random() < 0.35:
        return MemberGrade.FELLOW
    if title in SENIOR_TITLES and gen.rng.random() < 0.6:
        return MemberGrade.SENIOR
    if not title and age_years <= 4 and gen.rng.random() < 0.7:
        return MemberGrade.STUDENT
    return MemberGrade.REGULAR


def build_members(gen, count, units, branches, areas) -> list[Member]:
    """Members with numbers in order of joining; branches and expertise via the through tables."""
    professional = [b for b in branches if b.branch_type == BranchType.PROFESSIONAL]
    others = [b for b in branches if b.branch_type != BranchType.PROFESSIONAL]
    drafts = []
    for _index in range(count):
        gender = gen.gender()
        if gen.rng.random() < 0.85:
            unit, employer_name = gen.rng.choice(units), ""
        else:
            unit, employer_name = None, gen.rng.choice(OTHER_EMPLOYERS)
        title = member_title(gen, unit, employer_name)
        year = gen.join_year()
        joined = gen.date(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        status = weighted(gen.rng, MEMBER_STATUSES)
        if status == MemberStatus.PENDING:
            joined = gen.date(datetime.date(2023, 9, 1), datetime.date(2023, 12, 31))
        member_branches = [gen.rng.choice(professional)]
        if gen.rng.random() < 0.35:
            member_branches.append(gen.rng.choice(others))
        member_areas = gen.rng.sample(areas, gen.rng.choice([0, 1, 1, 2]))
        tianfu_on = account = studio_on = None
        if status == MemberStatus.ACTIVE and gen.rng.random() < 0.35:
            tianfu_on = gen.date(
                max(joined, datetime.date(2020, 6, 1)), datetime.date(2023, 12, 31)
            )
            account = f"TF51{gen.rng.randrange(10**7):07d}"
            if title in SENIOR_TITLES and gen.rng.random() < 0.12:
                studio_on = gen.date(
                    max(tianfu_on, datetime.date(2021, 3, 1)), datetime.date(2023, 12, 31)
                )
        drafts.append(
            (
                Member(
                    name=gen.name(gender),
                    gender=gender,
                    title=title,
                    employer=unit,
                    employer_name=employer_name,
                    grade=member_grade(gen, title, LAST_YEAR - year),
                    joined_on=joined,
                    status=status,
                    phone=gen.mobile(),
                    tianfu_registered_on=tianfu_on,
                    tianfu_account=account or "",
                    studio_opened_on=studio_on,
                ),
                member_branches,
                member_areas,
            )
        )
    # Member numbers: SCTJ-<year of joining>-<sequence within that year>, in joining order.
    drafts.sort(key=lambda draft: draft[0].joined_on)
    per_year: dict[int, int] = {}
    for member, _branches, _areas in drafts:
        year = member.joined_on.year
        per_year[year] = per_year.get(year, 0) + 1
        member.member_number = f"SCTJ-{year}-{per_year[year]:05d}"
        if gen.rng.random() < 0.6:
            member.email = f"{member.member_number.lower()}@example.com"
        if member.studio_opened_on:
            member.studio_url = f"https://studio.example.org/sctj/{member.member_number}"
    members = Member.objects.bulk_create([draft[0] for draft in drafts], batch_size=2000)
    Member.branches.through.objects.bulk_create(
        [
            Member.branches.through(member_id=member.pk, branch_id=branch.pk)
            for member, (_, member_branches, _) in zip(members, drafts, strict=True)
            for branch in member_branches
        ],
        batch_size=5000,
    )
    Member.expertise.through.objects.bulk_create(
        [
            Member.expertise.through(member_id=member.pk, expertisearea_id=area.pk)
            for member, (_, _, member_areas) in zip(members, drafts, strict=True)
            for area in member_areas
        ],
        batch_size=5000,
    )
    return members


def build_experts(gen, count, members, units, branches, areas) -> list[Expert]:
    """Two thirds drawn from senior members, the rest from outside the membership."""
    priority = [area for area in areas if area.is_priority]
    other_areas = [area for area in areas if not area.is_priority]
    candidates = [
        m for m in members if m.title in SENIOR_TITLES and m.status == MemberStatus.ACTIVE
    ]
    from_members = gen.rng.sample(candidates, min(len(candidates), count * 2 // 3))
    professional = [b for b in branches if b.branch_type == BranchType.PROFESSIONAL]
    drafts = []
    for index in range(count):
        if index < len(from_members):
            member = from_members[index]
            expert = Expert(
                name=member.name,
                title=member.title,
                member=member,
                affiliation=member.employer,
                affiliation_name=member.employer_name,
                phone=member.phone,
                email=member.email,
            )
        else:
            gender = gen.gender()
            expert = Expert(
                name=gen.name(gender),
                title=weighted(gen.rng, TITLES_ACADEMIC),
                affiliation_name=gen.rng.choice(OTHER_EMPLOYERS[:10]),
                phone=gen.mobile(),
                email=f"expert{index + 1:04d}@example.com",
            )
        expert.active = gen.rng.random() < 0.95
        # Each of the five priority areas is covered in turn, plus up to two others.
        expertise = [priority[index % len(priority)]]
        expertise += gen.rng.sample(other_areas, gen.rng.choice([0, 1, 1, 2]))
        office = gen.rng.sample(professional, 1) if gen.rng.random() < 0.25 else []
        avoid = []
        if gen.rng.random() < 0.3:
            avoid = [
                u
                for u in gen.rng.sample(units, min(2, len(units)))
                if u.pk != expert.affiliation_id
            ]
        drafts.append((expert, expertise, office, avoid))
    experts = Expert.objects.bulk_create([draft[0] for draft in drafts])
    through = Expert.expertise.through
    through.objects.bulk_create(
        [
            through(expert_id=expert.pk, expertisearea_id=area.pk)
            for expert, (_, expertise, _, _) in zip(experts, drafts, strict=True)
            for area in expertise
        ]
    )
    through = Expert.office_branches.through
    through.objects.bulk_create(
        [
            through(expert_id=expert.pk, branch_id=branch.pk)
            for expert, (_, _, office, _) in zip(experts, drafts, strict=True)
            for branch in office
        ]
    )
    through = Expert.avoid_units.through
    through.objects.bulk_create(
        [
            through(expert_id=expert.pk, memberunit_id=unit.pk)
            for expert, (_, _, _, avoid) in zip(experts, drafts, strict=True)
            for unit in avoid
        ]
    )
    return experts


def build_staff(gen: Generator) -> list[StaffMember]:
    staff = []
    for index, (position, year) in enumerate(STAFF_POSITIONS, start=1):
        staff.append(
            StaffMember(
                name=gen.name(gen.gender()),
                position=position,
                full_time=True,
                phone=gen.landline("成都") if index <= 3 else gen.mobile(),
                email=f"staff{index}@sctj.example.org",
                started_on=gen.date(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            )
        )
    return StaffMember.objects.bulk_create(staff)


def build_accounts(*, branches, units, members, experts) -> tuple[list[DemoAccount], list[str]]:
    """One account per role; returns the accounts created and the usernames left alone."""
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo account
    existing = set(
        User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).values_list(
            "username", flat=True
        )
    )
    demo_branch = next(b for b in branches if b.name == DEMO_BRANCH)
    demo_unit = next((u for u in units if u.status == OrgStatus.ACTIVE), units[0])
    created = []
    for account in DEMO_ACCOUNTS:
        if account.username in existing:
            continue
        user = User(
            username=account.username,
            last_name=account.last_name,
            first_name=account.first_name,
            role=account.role,
            password=password,
            email=f"{account.username}@sctj.example.org",
            is_staff=account.role == Role.STAFF,
            is_superuser=account.username == "admin",
        )
        if account.username == "fenhui":
            user.branch = demo_branch
        elif account.username == "danwei":
            user.member_unit = demo_unit
        user.save()
        created.append(account)
        if account.username == "zhuanjia":
            expert = experts[0]
            expert.user = user
            expert.save(update_fields=["user"])
        elif account.username == "huiyuan":
            member = demo_member(members, demo_unit, experts)
            member.user = user
            member.save(update_fields=["user"])
            member.branches.add(demo_branch)
    return created, sorted(existing)


def demo_member(members: list[Member], unit: MemberUnit, experts: list[Expert]) -> Member:
    """An active member of the demo unit who is not an expert, so every portal page has data."""
    expert_members = {expert.member_id for expert in experts}
    active = [m for m in members if m.status == MemberStatus.ACTIVE and m.pk not in expert_members]
    return next(
        (m for m in active if m.employer_id == unit.pk), active[0] if active else members[0]
    )


@dataclass
class DemoSummary:
    branches: int
    units: int
    members: int
    experts: int
    staff: int
    accounts: list[DemoAccount]
    skipped_accounts: list[str]
    calls: tuple = ()  # projects.demo.CallSummary, one per call
    kpis: dict | None = None  # kpis.demo: records, outreach, responses
    membership: dict | None = None  # demo_members: periods, dues, registrations, articles


def registry_is_empty() -> bool:
    return not (
        Branch.objects.exists()
        or MemberUnit.objects.exists()
        or Member.objects.exists()
        or Expert.objects.exists()
    )


@transaction.atomic
def build_demo_data(*, scale: float = 1.0, seed: int = SEED) -> DemoSummary:
    gen = Generator(seed)
    areas = list(ExpertiseArea.objects.order_by("order", "id"))
    branches = build_branches(gen)
    units = build_units(gen, scaled(BASE_UNITS, scale))
    members = build_members(gen, scaled(BASE_MEMBERS, scale), units, branches, areas)
    experts = build_experts(gen, scaled(BASE_EXPERTS, scale), members, units, branches, areas)
    staff = build_staff(gen)
    accounts, skipped = build_accounts(
        branches=branches, units=units, members=members, experts=experts
    )
    # Calls, applications and reviews build on the registry (projects depends on society).
    from projects.demo import build_projects_demo

    calls = build_projects_demo(
        branches=branches, units=units, members=members, experts=experts, scale=scale
    )
    # A year of indicator records behind the dashboard (kpis depends on society too).
    from kpis.demo import build_kpi_demo

    kpis = build_kpi_demo(scale=scale)
    # Membership periods, dues, 入会申请, 信息发布 and the demo member's growth entries.
    from .demo_members import build_member_demo

    membership = build_member_demo(members=members, branches=branches, units=units, areas=areas)
    return DemoSummary(
        branches=len(branches),
        units=len(units),
        members=len(members),
        experts=len(experts),
        staff=len(staff),
        accounts=accounts,
        skipped_accounts=skipped,
        calls=tuple(calls),
        kpis=kpis,
        membership=membership,
    )


@transaction.atomic
def clear_registry() -> None:
    """Remove the registry and the demo accounts (the expertise areas stay).

    Calls and applications go first: applications protect the branches and units.
    """
    from kpis.demo import clear_kpi_demo
    from projects.demo import clear_projects_demo

    from .demo_members import clear_member_demo

    clear_member_demo()  # periods, dues, applications, growth entries, articles
    clear_kpi_demo()  # records protect branches and units, outreach cascades from members
    clear_projects_demo()
    Expert.objects.all().delete()
    Member.objects.all().delete()
    User.objects.filter(role=Role.OFFICER).delete()
    User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).delete()
    MemberUnit.objects.all().delete()
    Branch.objects.all().delete()
    StaffMember.objects.all().delete()


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def accounts_table() -> str:
    """The demo accounts as an aligned plain-text table (Chinese is two columns wide)."""
    header = [str(_("用户名")), str(_("密码")), str(_("角色")), str(_("可以做什么"))]
    rows = [header] + [
        [a.username, DEMO_PASSWORD, str(a.label), str(a.can_do)] for a in DEMO_ACCOUNTS
    ]
    widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
    lines = []
    for number, row in enumerate(rows):
        cells = [pad(cell, widths[i]) for i, cell in enumerate(row[:3])] + [row[3]]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in [*widths, display_width(row[3])]))
    return "\n".join(lines)
