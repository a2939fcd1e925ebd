"""The words of the demo: what applications are about, what staff and experts wrote."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from kpis.enums import Area
from society.enums import UnitType

# The original document, 2023-06-25: the notice of the 2023 call.
NOTICE_2023 = (Path(__file__).parent.parent / "notice_2023.txt").read_text(encoding="utf-8")
CALL_TITLE = "{year}年度创建一流科技社团培育奖励申报"

# The rubric of the notice's 五、培育奖励: 实施能力强、工作好、措施实、潜力大.
CRITERIA = [
    ("实施能力强", "组织健全，团队力量和资源能够保障方案实施"),
    ("工作好", "围绕四个能力建设已有较好的工作基础和成效"),
    ("措施实", "具体方案措施具体可行，进度安排和经费预算合理"),
    ("潜力大", "对创建一流科技社团的预期贡献和示范带动作用"),
]


@dataclass(frozen=True)
class Theme:
    names: tuple[str, ...]  # how titles name it
    area: str
    field: str | None  # ExpertiseArea code; None: the applicant's own discipline
    kinds: tuple[str, ...]  # the second half of a title
    outputs: tuple[tuple[str, int, int, str], ...]  # indicator code, min, max, description
    reason: str
    measures: tuple[str, ...]
    checkpoint: tuple[str, str]  # the theme's own milestone: title, evidence


THEMES = {
    "intelligent": Theme(
        ("智能建造", "装配式建筑与智能建造"),
        Area.INNOVATION,
        "intelligent-construction",
        ("科技服务团队建设", "示范项目", "能力提升行动"),
        (
            ("I01", 1, 1, "组建智能建造与建筑工业化科技服务团队"),
            ("I03", 2, 4, "在天府科技云发布装配式建筑、BIM应用等科技服务能力和成果"),
            ("I05", 2, 5, "为会员单位提供智能建造技术指导和人才培训"),
            ("I07", 1, 2, "推广装配式建筑与智能建造高新技术"),
        ),
        "我省建筑业正加快向智能建造与新型建筑工业化转型，中小会员单位在装配式建筑深化设计、"
        "BIM正向设计和智慧工地应用方面普遍缺少技术支撑。",
        (
            "组建由{n}名高级职称专家牵头的智能建造科技服务团队，明确分工和服务清单",
            "在天府科技云开设团队服务页面，发布装配式建筑、智慧工地等服务能力和成果",
            "面向会员单位开展“智能建造进企业”技术指导活动，每季度不少于1次",
            "组织BIM正向设计与装配式建筑深化设计专题培训，培训技术人员不少于{people}人次",
        ),
        ("完成团队组建并在天府科技云发布服务能力", "团队名单、服务清单及平台发布截图"),
    ),
    "digital": Theme(
        ("数字建造", "智慧城市"),
        Area.INNOVATION,
        "digital-smart-city",
        ("科技服务团队建设", "示范项目", "能力提升行动"),
        (
            ("I03", 2, 4, "发布城市信息模型、数字孪生等科技成果"),
            ("I04", 1, 2, "向“科创中国·天府科技云服务大会”推荐数字建造成果"),
            ("I05", 2, 4, "提供智慧城市建设决策咨询和技术服务"),
        ),
        "数字建造和城市信息模型（CIM）平台建设需求快速增长，会员单位的相关成果分散，"
        "亟需通过学会平台集中展示和推广。",
        (
            "梳理会员单位数字建造与智慧城市成果，建立成果库并在天府科技云集中发布",
            "遴选{n}项成熟成果向“科创中国·天府科技云服务大会”推荐",
            "面向市县住建部门开展智慧工地、数字孪生应用咨询服务",
            "举办数字建造技术沙龙，参加人员不少于{people}人次",
        ),
        ("完成成果库建设并择优推荐", "成果清单、推荐表及平台发布截图"),
    ),
    "resilient": Theme(
        ("韧性城市", "城市韧性提升"),
        Area.INNOVATION,
        "resilient-city",
        ("科技服务团队建设", "示范项目", "能力提升行动"),
        (
            ("I01", 1, 1, "组建韧性城市科技服务团队"),
            ("I05", 2, 5, "开展既有建筑抗震鉴定、城市生命线安全评估等技术服务"),
            ("A03", 1, 1, "形成城市韧性提升决策咨询报告"),
        ),
        "我省地震等自然灾害多发，既有建筑抗震加固和城市生命线工程安全评估任务重，"
        "基层技术力量相对薄弱。",
        (
            "组建由{n}名结构、岩土和减隔震专家组成的韧性城市科技服务团队",
            "赴市县开展既有建筑抗震鉴定和城市生命线安全评估技术服务",
            "调研典型城市防灾减灾短板，形成决策咨询报告报送有关部门",
            "举办减隔震技术应用培训，培训技术人员不少于{people}人次",
        ),
        ("完成技术服务并形成调研报告初稿", "服务记录、现场照片及报告初稿"),
    ),
    "renewal": Theme(
        ("城市更新", "老旧小区改造"),
        Area.INNOVATION,
        "urban-renewal",
        ("示范项目", "科技服务团队建设", "能力提升行动"),
        (
            ("I05", 2, 4, "为老旧小区改造项目提供技术咨询和方案评审"),
            ("I06", 1, 1, "转化既有建筑改造加固技术成果"),
            ("A03", 1, 1, "形成城市更新专题决策咨询报告"),
        ),
        "城市更新和老旧小区改造进入集中实施期，结构安全评估、加固改造和历史风貌保护等"
        "技术问题需要专业力量支持。",
        (
            "选取{n}个老旧小区改造项目开展全过程技术咨询，形成示范案例",
            "推动会员单位既有建筑改造加固技术成果在改造项目中转化应用",
            "总结示范经验，形成城市更新专题决策咨询报告",
            "组织城市更新技术交流会，参加人员不少于{people}人次",
        ),
        ("完成示范项目技术咨询", "咨询意见、项目照片及成果转化协议"),
    ),
    "bridge": Theme(
        ("桥梁隧道工程", "桥梁隧道"),
        Area.INNOVATION,
        "bridge-tunnel",
        ("科技服务团队建设", "能力提升行动", "品牌活动培育"),
        (
            ("I01", 1, 1, "组建桥梁隧道工程科技服务团队"),
            ("I03", 1, 3, "发布桥梁检测评估、隧道施工监测等服务能力"),
            ("A02", 2, 5, "推荐桥梁隧道方向论文参评川渝科技学术大会"),
        ),
        "我省山区桥梁隧道建设规模大、地质条件复杂，施工安全监测和既有桥梁检测评估的技术"
        "需求持续增加。",
        (
            "组建由{n}名桥梁隧道专家组成的科技服务团队，面向会员单位提供技术咨询",
            "在天府科技云发布桥梁检测评估、隧道施工监测等服务能力",
            "组织会员撰写桥梁隧道方向论文，择优推荐参评川渝科技学术大会",
            "协助筹办桥梁隧道工程建设国际学术大会专题分会，参会人员不少于{people}人次",
        ),
        ("完成论文征集与推荐", "论文清单、推荐函及团队服务记录"),
    ),
    "popsci": Theme(
        ("科普", "土木科普进校园"),
        Area.ACADEMIC,
        "popular-science",
        ("品牌活动培育", "能力提升行动", "示范项目"),
        (
            ("A04", 1, 1, "培育“土木科普进校园”科普活动品牌"),
            ("A05", 3, 8, "推荐原创科普作品（图文、短视频）"),
            ("A07", 1, 3, "推荐专家进入省科协科普专家资源库"),
        ),
        "公众对建筑安全、防震减灾和绿色建筑的科普需求旺盛，学会科普资源分散，尚未形成有"
        "影响力的活动品牌。",
        (
            "联合中小学开展“土木科普进校园”活动不少于{n}场，形成固定活动品牌",
            "组织会员创作建筑安全、防震减灾主题原创科普图文和短视频",
            "推荐热心科普的会员专家进入四川省科协科普专家资源库",
            "参与川渝科普大会，活动覆盖师生和社区居民不少于{people}人次",
        ),
        ("完成科普进校园系列活动", "活动通知、照片、签到表及作品清单"),
    ),
    "academic": Theme(
        ("学术交流",),
        Area.ACADEMIC,
        None,
        ("品牌活动培育", "能力提升行动"),
        (
            ("A01", 1, 1, "承办学会品牌学术活动专题分会场"),
            ("A02", 3, 6, "组织会员论文参评川渝科技学术大会"),
            ("A03", 1, 1, "形成行业热点问题决策咨询报告"),
        ),
        "本领域科技工作者学术交流需求旺盛，但活动规模小、影响力有限，优秀成果缺少展示和推荐渠道。",
        (
            "承办天府论建学术年会或天府结构大讲堂专题活动{n}场",
            "开展会员优秀论文征集，择优推荐参评川渝科技学术大会",
            "围绕行业重大技术问题开展调研，形成高质量决策咨询报告",
            "建立青年科技工作者学术沙龙机制，参加人员不少于{people}人次",
        ),
        ("完成专题学术活动并推荐论文", "活动议程、照片、论文清单"),
    ),
    "party": Theme(
        ("党建引领", "党建强会"),
        Area.POLITICAL,
        None,
        ("品牌活动培育", "能力提升行动"),
        (
            ("P03", 1, 1, "打造“分支机构党小组活动”党建强会品牌"),
            ("P05", 1, 2, "开展科研诚信、学风道德建设宣讲"),
        ),
        "党小组建立后活动形式较为单一，党建工作与学术交流、科技服务结合不够紧密。",
        (
            "建立党小组活动与学术活动同谋划、同部署机制，全年开展主题活动不少于{n}次",
            "组织“学会最美科技工作者”推荐宣传，发挥党员专家先锋模范作用",
            "结合主题活动开展科研诚信和学风道德宣讲",
            "动员会员在天府科技云注册，新增注册科技工作者不少于{people}人",
        ),
        ("完成党建品牌主题活动", "活动记录、照片及宣传报道"),
    ),
    "integrity": Theme(
        ("科研诚信与学风道德建设",),
        Area.POLITICAL,
        None,
        ("能力提升行动", "品牌活动培育"),
        (
            ("P05", 1, 2, "开展科研诚信、学风道德建设宣讲培训"),
            ("P04", 1, 1, "参与修订《四川省土木建筑学会会员学风道德管理守则》"),
        ),
        "部分青年会员对科研诚信规范了解不足，论文写作、成果申报中的学术规范意识有待加强。",
        (
            "开展科研诚信和学风道德建设宣讲培训{n}场",
            "收集会员意见，参与修订《四川省土木建筑学会会员学风道德管理守则》",
            "选树宣传本领域恪守科研诚信的优秀典型",
            "编印学术规范手册，发放会员不少于{people}人",
        ),
        ("完成宣讲培训并报送守则修订意见", "培训签到表、照片及修订意见稿"),
    ),
    "service": Theme(
        ("天府科技云会员服务", "“科服保姆”会员服务"),
        Area.INNOVATION,
        None,
        ("能力提升行动", "示范项目"),
        (
            ("I03", 1, 3, "组织会员在天府科技云发布科技服务能力"),
            ("I05", 2, 4, "为会员单位提供“一对一”技术服务"),
            ("C06", 1, 1, "开通微信公众号，常态化发布活动信息"),
        ),
        "会员在天府科技云注册、开设科创工作室的比例还不高，会员服务手段和信息发布渠道有限。",
        (
            "设立{n}名“科服保姆”联络员，逐一联系会员宣传天府科技云",
            "协助会员开设科创工作室、发布科技所能",
            "以专家参与、现场指导或线上解疑方式提供“一对一”技术服务",
            "开通微信公众号，全年推送活动信息，覆盖会员不少于{people}人",
        ),
        ("完成会员联系与平台注册动员", "联系台账、注册统计及公众号推送截图"),
    ),
}

# What branches and units tend to apply for (theme: weight).
BRANCH_THEMES = {
    "建筑结构": {"resilient": 3, "academic": 3, "intelligent": 2, "party": 1},
    "桥梁与隧道工程": {"bridge": 5, "academic": 1},
    "岩土工程": {"resilient": 3, "academic": 2, "renewal": 1},
    "建筑施工": {"intelligent": 3, "renewal": 2, "party": 1},
    "建筑材料": {"intelligent": 2, "academic": 2, "service": 1},
    "减隔震技术": {"resilient": 4, "academic": 2},
    "智能建造": {"intelligent": 4, "digital": 2},
    "工程管理": {"digital": 2, "service": 2, "renewal": 1},
    "学术": {"academic": 3, "integrity": 2},
    "教育": {"integrity": 3, "academic": 1},
    "科普": {"popsci": 5},
    "组织": {"party": 3, "service": 2},
    "local": {"renewal": 3, "popsci": 2, "service": 2, "party": 2, "resilient": 1},
}
UNIT_THEMES = {
    UnitType.CONSTRUCTION: {"intelligent": 4, "bridge": 2, "renewal": 2, "party": 1},
    UnitType.DESIGN: {"digital": 3, "renewal": 3, "resilient": 2},
    UnitType.TESTING: {"resilient": 3, "renewal": 2, "service": 1},
    UnitType.UNIVERSITY: {"popsci": 3, "academic": 3, "integrity": 1},
    UnitType.RESEARCH: {"intelligent": 2, "digital": 2, "resilient": 2, "academic": 1},
    UnitType.PUBLIC: {"renewal": 3, "resilient": 2, "popsci": 1},
    UnitType.OTHER: {"intelligent": 2, "digital": 2, "service": 2},
}
# An applicant's own discipline (ExpertiseArea code), for themes without a field of their own.
BRANCH_FIELDS = {
    "建筑结构": "structure",
    "桥梁与隧道工程": "bridge-tunnel",
    "岩土工程": "geotechnical",
    "建筑施工": "construction-technology",
    "建筑材料": "materials",
    "减隔震技术": "seismic-isolation",
    "智能建造": "intelligent-construction",
    "工程管理": "project-management",
    "学术": "structure",
    "教育": "project-management",
    "科普": "popular-science",
    "组织": "project-management",
    "local": "municipal",
}
UNIT_FIELDS = {
    UnitType.CONSTRUCTION: "construction-technology",
    UnitType.DESIGN: "architecture",
    UnitType.TESTING: "structure",
    UnitType.UNIVERSITY: "structure",
    UnitType.RESEARCH: "materials",
    UnitType.PUBLIC: "project-management",
    UnitType.OTHER: "materials",
}

# (item, unit price, unit, how the amount is worked out)
BUDGET_ITEMS = [
    ("专家咨询费", 300, "人次", "邀请专家{n}人次，每人次{p}元"),
    ("会议及场地费", 400, "场", "活动场地及设备租用{n}场，每场{p}元"),
    ("资料印刷费", 20, "册", "印制宣传资料和汇编{n}册，每册{p}元"),
    ("差旅费", 150, "人次", "赴市县调研和技术服务{n}人次，每人次{p}元"),
    ("劳务费", 200, "人天", "资料整理和活动组织{n}人天，每人天{p}元"),
]
LUMP_ITEMS = [
    ("宣传推广费", "新媒体推送、展板及宣传物料"),
    ("平台服务费", "线上直播与平台技术服务"),
    ("办公耗材费", "资料耗材及邮寄"),
]
ROLES = ["技术负责人", "组织协调", "活动策划与宣传", "资料整理与经费管理", "专家联络"]
# Titles of team members who are not members, by where they work.
OTHER_TITLES = {
    "branch": ["秘书长", "副秘书长", "副主任委员", "委员", "高级工程师"],
    UnitType.UNIVERSITY: ["教授", "副教授", "讲师", "实验师"],
    "unit": ["正高级工程师", "高级工程师", "工程师", "助理工程师", "办公室主任"],
}

# Reasons the secretariat gave, and what experts wrote.
RETURN_REASONS = [
    "申报书未加盖单位公章，预期成果未与考核指标一一对应，请补充完善后重新提交。",
    "经费预算测算依据不清，进度安排缺少完成标志，请修改后重新提交。",
]
REJECT_REASONS = [
    "申报单位会费未按期缴纳，暂不具备本年度申报资格。",
    "申报内容与创建一流科技社团培育方向不符，不予受理。",
    "申报材料与本单位往年已获支持项目内容重复，不予受理。",
]
WITHDRAW_REASONS = [
    "本单位工作安排调整，本年度暂不申报。",
    "项目负责人工作变动，申请撤回。",
]
CONFLICT_REASONS = [
    "本人近三年与申报单位有项目合作关系，申请回避。",
    "本人曾参与该申报方案的前期咨询，申请回避。",
]
STRENGTHS = {
    "实施能力强": "组织机构健全，团队专业结构合理，具备较强的实施能力",
    "工作好": "前期工作基础扎实，已有成效较为突出",
    "措施实": "实施方案具体可行，进度安排和经费预算合理",
    "潜力大": "项目示范带动作用明显，发展潜力较大",
}
WEAKNESSES = {
    "实施能力强": "团队成员多为兼职，实施力量略显不足",
    "工作好": "前期工作基础一般，佐证材料不够充分",
    "措施实": "部分措施较为笼统，可考核性不强",
    "潜力大": "预期成果与创建一流科技社团任务的衔接还需加强",
}
ADVICE = [
    "建议细化各季度进度安排",
    "建议明确成果考核指标和佐证材料清单",
    "建议加强与天府科技云平台的对接",
    "建议压实经费使用责任",
    "建议加强与其他分支机构的协同",
]


def verdict(total: Decimal) -> str:
    if total >= 85:
        return "建议优先支持。"
    if total >= 75:
        return "建议予以支持。"
    if total >= 65:
        return "建议修改完善后支持。"
    return "不建议支持。"


def later_notice(year: int, start: datetime.datetime, end: datetime.datetime) -> str:
    """The notice of a later call: the 2023 rules, its own dates."""

    def local(moment):
        return timezone.localtime(moment, ZoneInfo("Asia/Shanghai")).strftime("%Y年%m月%d日%H:%M")

    return (
        "各地方学会、分支机构、会员单位：\n"
        "根据《四川省土木建筑学会创建一流科技社团工作实施方案》（2023年6月25日），"
        f"现开展{year}年度创建一流科技社团培育奖励申报工作。\n"
        "一、申报主体：学会所属会员单位、分支机构，每个单位限报1项。\n"
        "二、支持方向：围绕政治引领力、创新支撑力、学术引领力、学会公信力建设，"
        "对实施能力强、工作好、措施实、潜力大的项目给予奖励支持。\n"
        "三、奖励数量：30个，每个3000元。\n"
        f"四、申报时间：{local(start)}至{local(end)}（北京时间），逾期不予受理。"
        "请登录学会平台在线填报，并上传加盖公章的申报书。\n"
        "四川省土木建筑学会秘书处"
    )


# ---------------------------------------------------------------------------
# After the ranking of 2023 (awards.py): the 公示, objections, payments, implementation.

NOTICE_TITLE = "{call}拟奖励项目公示"
NOTICE_BODY = (
    "经形式审查、专家评审，现将拟奖励项目予以公示。公示期内，如对公示项目有异议，"
    "请以真实姓名实名提出，并附联系方式和证明材料。"
)
PROPOSAL_NOTE = "按评审排名建议"
TIE_NOTE = "与第{rank}名并列，按申报编号先后列入（奖励名额所限）"

PROGRESS_DONE = [  # a milestone's title and its 完成标志
    "“{title}”节点已完成（完成标志：{description}），进度符合申报书安排。",
    "“{title}”已按计划完成，完成标志为：{description}。相关资料已整理归档。",
    "本阶段任务“{title}”已完成（{description}），工作台账已更新。",
]
PROGRESS_START = (
    "{date}召开项目启动会，明确项目负责人和分工，细化工作方案、进度和经费使用计划，"
    "“{title}”已完成。"
)
PROGRESS_FIXING = (
    "按中期检查意见开展整改：已补充经费支出台账，调整后续工作安排，滞后任务正在追赶进度，"
    "预计{deadline}前完成整改并报送整改报告。"
)
PROGRESS_FIXED = (
    "已按中期检查意见完成整改：补齐经费支出台账和活动佐证材料，滞后任务已全部启动，"
    "整改报告已报送学会秘书处。"
)
FINDINGS_PASSED = [
    "项目按计划推进，已完成阶段性任务，经费使用规范，工作台账和佐证材料齐全。同意通过中期检查。",
    "项目进度符合申报书安排，阶段成果较为明显。建议加快后续成果的整理和发布。同意通过中期检查。",
    "项目组织有力，团队分工明确，经费按预算使用。建议按季度报送进展。同意通过中期检查。",
]
FINDINGS_RECTIFY = [
    "项目进度滞后于申报书安排，部分任务尚未启动，经费支出台账不完整。"
    "请于{deadline}前完成整改并报送整改报告。",
    "阶段性成果佐证材料不足，经费使用与预算科目不一致。请于{deadline}前完成整改并报送整改报告。",
]
FINDINGS_RECHECKED = "经复查，整改要求已全部落实，进度已赶上申报书安排。同意通过中期检查。"
OPINIONS_PASSED = [
    "项目完成了申报书确定的全部预期成果，佐证材料齐全，经费使用规范，示范带动作用明显。"
    "同意通过验收。",
    "项目组织实施有力，{output}成效突出，佐证材料完整，成果与考核指标对应清楚。"
    "建议进一步总结推广经验。同意通过验收。",
    "项目完成了主要任务，成果与考核指标对应清楚，经费使用基本合理。"
    "建议加强成果宣传和持续运行。同意通过验收。",
]
OPINION_FAILED = (
    "项目部分预期成果未完成（{output}计划{planned}{unit}，实际完成{actual}{unit}），"
    "佐证材料不足以证明完成情况，经费支出台账不完整。验收得分低于合格分，验收不通过。"
)
FIRST_HALF_NOTE = "首笔奖励资金（50%）"
SECOND_HALF_NOTE = "余款（50%）"
LATE_PAYMENT_NOTE = "首笔奖励资金（50%），余款待验收通过后拨付"
FULL_PAYMENT_NOTE = "奖励资金一次性拨付"

OBJECTIONS = [
    {
        "content": (
            "公示项目“{title}”申报书称已为会员单位开展技术培训和技术指导多场，据本人了解，"
            "{short}近一年实际组织的培训活动很少，申报内容与实际情况不符，请学会核实。"
        ),
        "evidence": "培训活动情况说明.pdf",
        "upheld": False,
        "decision": (
            "经核查，申报单位提供了培训活动通知、签到表和现场照片，与申报书所列情况一致。"
            "异议不成立，维持拟奖励结果。已将核查结果告知异议人。"
        ),
    },
    {
        "content": (
            "公示项目“{title}”申报书中项目团队成员{member}的职称填写为“{member_title}”，"
            "本人与其同在一个单位，据了解其尚未取得该职称，申报材料存在不实之处。"
        ),
        "evidence": "职称证书复印件.pdf",
        "upheld": True,
        "colleague": True,  # the objector works where the team member works
        "decision": (
            "经核实，申报书中该团队成员职称填写有误，属申报单位笔误，不影响专家评审结果。"
            "异议部分成立：已责成申报单位更正申报材料并作出书面说明，维持拟奖励结果。"
        ),
    },
]
