"""How each 2023 indicator is computed: its basis, the categories its records carry, and
the rules of the paper recommendations; and the 2023 programme period."""

import datetime

from django.db import migrations

FIVE_AREAS = ["智能建造与建筑工业化", "数字建造与智慧城市", "韧性城市", "城市更新", "桥梁隧道工程"]
SETTINGS = {
    "P02": {"basis": "branch_party_groups"},
    "P03": {"categories": ["分支机构党小组活动", "学会最美科技工作者评选", "其他党建品牌"]},
    "P05": {"categories": ["学术工作委员会", "教育工作委员会"]},
    "I01": {"categories": FIVE_AREAS},
    "I03": {"categories": ["科技服务能力", "高新技术", "科技成果"]},
    "I04": {"categories": ["高新技术", "科技成果"]},
    "I05": {"categories": ["科技评价", "标准研制", "成果鉴定", "决策咨询", "人才培训", "技术指导"]},
    "I09": {"basis": "member_outreach"},
    "I10": {"basis": "satisfaction"},
    "A01": {
        "categories": [
            "天府论建主题学术年会",
            "天府结构大讲堂",
            "科技创新大会",
            "减隔震技术国际学术大会",
            "桥梁隧道工程建设国际学术大会",
        ]
    },
    "A02": {
        "record_rules": {
            "published_from": "2021-01-01",
            "published_to": "2023-08-31",
            "sichuan_author": True,
            "max_count": 20,
        }
    },
    "C02": {"categories": ["会员（代表）大会", "理事会", "监事会"]},
    "C03": {"basis": "fulltime_staff"},
    "C06": {"categories": ["网站", "微信公众号"]},
}


def configure(apps, schema_editor):
    Indicator = apps.get_model("kpis", "Indicator")
    for code, fields in SETTINGS.items():
        Indicator.objects.filter(year=2023, code=code).update(**fields)
    apps.get_model("kpis", "ProgrammeYear").objects.update_or_create(
        year=2023,
        defaults={
            "title": "2023年度创建一流科技社团",
            "starts_on": datetime.date(2023, 6, 25),
            "ends_on": datetime.date(2023, 12, 31),
        },
    )


def unconfigure(apps, schema_editor):
    apps.get_model("kpis", "ProgrammeYear").objects.filter(year=2023).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0003_records_reports")]
    operations = [migrations.RunPython(configure, unconfigure)]
