from django.db import migrations

# The five service areas of the programme first, then the society's other disciplines.
AREAS = [
    ("intelligent-construction", "智能建造与建筑工业化", True),
    ("digital-smart-city", "数字建造与智慧城市", True),
    ("resilient-city", "韧性城市", True),
    ("urban-renewal", "城市更新", True),
    ("bridge-tunnel", "桥梁隧道工程", True),
    ("structure", "建筑结构", False),
    ("geotechnical", "岩土工程", False),
    ("construction-technology", "建筑施工技术", False),
    ("materials", "建筑材料", False),
    ("seismic-isolation", "减隔震技术", False),
    ("architecture", "建筑设计", False),
    ("project-management", "工程管理", False),
    ("municipal", "市政工程", False),
    ("popular-science", "科普教育", False),
]


def add_areas(apps, schema_editor):
    ExpertiseArea = apps.get_model("society", "ExpertiseArea")
    for order, (code, name, priority) in enumerate(AREAS, start=1):
        ExpertiseArea.objects.update_or_create(
            code=code, defaults={"name": name, "is_priority": priority, "order": order}
        )


def remove_areas(apps, schema_editor):
    apps.get_model("society", "ExpertiseArea").objects.filter(
        code__in=[code for code, _, _ in AREAS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("society", "0001_initial")]
    operations = [migrations.RunPython(add_areas, remove_areas)]
