from django.db import models
from django.utils.translation import pgettext_lazy


class Area(models.TextChoices):
    POLITICAL = "political", pgettext_lazy("capability area", "政治引领力")
    INNOVATION = "innovation", pgettext_lazy("capability area", "创新支撑力")
    ACADEMIC = "academic", pgettext_lazy("capability area", "学术引领力")
    CREDIBILITY = "credibility", pgettext_lazy("capability area", "学会公信力")


class Comparator(models.TextChoices):
    GTE = "gte", pgettext_lazy("comparator", "≥")
    LTE = "lte", pgettext_lazy("comparator", "≤")
    EQ = "eq", pgettext_lazy("comparator", "=")
    RANK_LTE = "rank_lte", pgettext_lazy("comparator", "排名前")
    DONE = "done", pgettext_lazy("comparator", "完成")


class Measure(models.TextChoices):
    COUNT = "count", pgettext_lazy("measure", "计数")
    RATIO = "ratio", pgettext_lazy("measure", "比例")
    RANK = "rank", pgettext_lazy("measure", "排名")
    MILESTONE = "milestone", pgettext_lazy("measure", "里程碑")
    COVERAGE = "coverage", pgettext_lazy("measure", "覆盖")
