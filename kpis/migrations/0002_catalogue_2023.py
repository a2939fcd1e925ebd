"""The 2023 targets of 创建一流科技社团工作实施方案 (seed document, 2023-06-25)."""

from decimal import Decimal

from django.db import migrations

# (area, code, name, unit, comparator, target, measure, source)
CATALOGUE = [
    ("political", "P01", "天府科技云注册科技工作者总数在省级学会中的排名", "名", "rank_lte", 50, "rank",
     "学会所属专家会员在天府科技云注册的科技工作者总数位居省级学会前50名"),
    ("political", "P02", "分支机构建立党小组比例", "%", "gte", 100, "ratio",
     "党组织健全，各分支机构要建立党小组，运行良好"),
    ("political", "P03", "党建强会品牌（分支机构党小组活动、学会最美科技工作者评选等）", "个", "gte", 2,
     "count", "创建符合学会特点的“分支机构党小组活动”、“学会最美科技工作者评选活动”等党建强会品牌"),
    ("political", "P04", "修订《四川省土木建筑学会会员学风道德管理守则》", "", "done", 1, "milestone",
     "修订《四川省土木建筑学会会员学风道德管理守则》"),
    ("political", "P05", "学术工作委员会、教育工作委员会科研诚信与学风道德宣讲培训", "次/年", "gte", 1,
     "coverage", "学术工作委员会、教育工作委员会每年至少开展1次科研诚信、学风道德建设宣讲培训活动"),
    ("innovation", "I01", "科技服务团队覆盖五个重点领域", "个领域", "gte", 5, "coverage",
     "围绕智能建造与建筑工业化、数字建造与智慧城市、韧性城市、城市更新、桥梁隧道工程建设等组建科技服务团队"),
    ("innovation", "I02", "在天府科技云开设省级学会示范科创工作室", "", "done", 1, "milestone",
     "学会在“天府科技云”平台开设省级学会示范科创工作室"),
    ("innovation", "I03", "发布科技服务能力、高新技术、科技成果", "项", "gte", 30, "count",
     "发布包括各分支机构、会员单位科技服务能力、高新技术、科技成果不少于30项"),
    ("innovation", "I04", "向第三届“科创中国·天府科技云服务大会”推荐高新技术、科技成果", "项", "gte", 10,
     "count", "向第三届“科创中国.天府科技云服务大会”推荐高新技术、科技成果不少于10项"),
    ("innovation", "I05", "提供科技评价、标准研制、成果鉴定、决策咨询、人才培训、技术指导等科技服务", "项",
     "gte", 20, "count", "依托平台提供科技评价、标准研制、成果鉴定、决策咨询、人才培训、技术指导等各类科技服务不少于20项"),
    ("innovation", "I06", "转化科技成果", "项", "gte", 2, "count", "转化科技成果不少于2项"),
    ("innovation", "I07", "推广高新技术", "项", "gte", 5, "count", "推广高新技术不少于5项"),
    ("innovation", "I08", "会员开设科创工作室数量在省级学会中的排名", "名", "rank_lte", 50, "rank",
     "注册会员开设科创工作室数量位居省级学会前50名"),
    ("innovation", "I09", "“科服保姆”宣传覆盖率", "%", "gte", 100, "ratio",
     "学会秘书处“科服保姆”面向所属会员广泛开展宣传推广、联系指导工作，宣传覆盖率达100%"),
    ("innovation", "I10", "专项服务好评率", "%", "gte", 90, "ratio", "提供专项服务，好评率不低于90%"),
    ("academic", "A01", "学术交流品牌活动（天府论建年会、天府结构大讲堂、科技创新大会、减隔震技术国际学术大会、桥梁隧道工程建设国际学术大会）",
     "项", "gte", 5, "coverage", "打造天府论建主题学术年会、天府结构大讲堂、科技创新大会、减隔震技术国际学术大会、桥梁隧道工程建设国际学术大会等影响力大的学术交流活动品牌"),
    ("academic", "A02", "向川渝科技学术大会推荐参评论文", "篇", "gte", 20, "count",
     "组织会员积极参与川渝科技学术大会优秀论文征集活动，向大会推荐参评论文不少于20篇"),
    ("academic", "A03", "高质量决策咨询报告", "篇", "gte", 1, "count", "至少提供1篇高质量的决策咨询报告"),
    ("academic", "A04", "学会科普活动品牌", "个", "gte", 1, "count", "打造至少1个学会科普活动品牌"),
    ("academic", "A05", "推荐原创科普作品", "篇（条）", "gte", 20, "count", "推荐原创科普作品不少于20篇（条）"),
    ("academic", "A06", "申办“四川科普大讲堂”", "", "done", 1, "milestone", "积极申办“四川科普大讲堂”"),
    ("academic", "A07", "推荐专家进入四川省科协科普专家资源库", "名", "gte", 20, "count",
     "推荐不少于20名专家进入四川省科协科普专家资源库"),
    ("credibility", "C01", "学会章程修订", "", "done", 1, "milestone",
     "学会章程根据省科协学会组织通则、发展需要及时修订完善"),
    ("credibility", "C02", "会员（代表）大会、理事会、监事会依章召开", "类", "gte", 3, "coverage",
     "会员（代表）大会、理事会、监事会、办事机构职责明晰、制度完善"),
    ("credibility", "C03", "专职工作人员", "人", "gte", 7, "count", "秘书长专职化管理服务，专职工作人员7人"),
    ("credibility", "C04", "固定办公场所", "", "done", 1, "milestone", "有固定办公场所"),
    ("credibility", "C05", "学会网站启用会员管理系统", "", "done", 1, "milestone",
     "在学会网站启用了会员管理系统，系统拥有高效的个人会员的注册、管理、信息发布、个人成长足迹等功能"),
    ("credibility", "C06", "学会和分支机构网站、微信公众号", "个", "gte", 5, "count",
     "学会和分支机构建立了网站、微信公众号5个"),
    ("credibility", "C07", "成立人才服务中心", "", "done", 1, "milestone", "成立人才服务中心，拓展会员服务模式"),
]


def load(apps, schema_editor):
    Indicator = apps.get_model("kpis", "Indicator")
    for order, (area, code, name, unit, comparator, target, measure, source) in enumerate(
        CATALOGUE, start=1
    ):
        Indicator.objects.update_or_create(
            year=2023,
            code=code,
            defaults={
                "area": area,
                "name": name,
                "unit": unit,
                "comparator": comparator,
                "target": Decimal(target),
                "measure": measure,
                "source": source,
                "order": order,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("kpis", "Indicator").objects.filter(year=2023).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_indicator")]
    operations = [migrations.RunPython(load, unload)]
