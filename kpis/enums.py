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


class Basis(models.TextChoices):
    RECORDS = "records", pgettext_lazy("indicator basis", "指标记录")
    BRANCH_PARTY_GROUPS = "branch_party_groups", pgettext_lazy("indicator basis", "分支机构党小组")
    FULLTIME_STAFF = "fulltime_staff", pgettext_lazy("indicator basis", "专职工作人员")
    MEMBER_OUTREACH = "member_outreach", pgettext_lazy("indicator basis", "会员宣传覆盖")
    SATISFACTION = "satisfaction", pgettext_lazy("indicator basis", "服务满意度")


class RecordStatus(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("record status", "待核实")
    VERIFIED = "verified", pgettext_lazy("record status", "已核实")
    REJECTED = "rejected", pgettext_lazy("record status", "未通过")


class ProgressStatus(models.TextChoices):
    DONE = "done", pgettext_lazy("progress status", "已完成")
    ON_TRACK = "on_track", pgettext_lazy("progress status", "正常")
    BEHIND = "behind", pgettext_lazy("progress status", "滞后")
    AT_RISK = "at_risk", pgettext_lazy("progress status", "风险")


class OutreachChannel(models.TextChoices):
    WEBSITE = "website", pgettext_lazy("outreach channel", "网站")
    WECHAT = "wechat", pgettext_lazy("outreach channel", "微信公众号")
    QQ = "qq", pgettext_lazy("outreach channel", "QQ")
    PHONE = "phone", pgettext_lazy("outreach channel", "电话")
    ON_SITE = "on_site", pgettext_lazy("outreach channel", "现场")


class ReportStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("report status", "排队中")
    RUNNING = "running", pgettext_lazy("report status", "生成中")
    READY = "ready", pgettext_lazy("report status", "已完成")
    FAILED = "failed", pgettext_lazy("report status", "失败")
