import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModelBase, RulesModelMixin

from society.models import Timestamped, Versioned
from society.rules import SECRETARIAT_ONLY, is_leader, is_officer, is_secretariat
from society.storage import get_private_storage

from .enums import (
    Area,
    Basis,
    Comparator,
    Measure,
    OutreachChannel,
    ProgressStatus,
    RecordStatus,
    ReportStatus,
)
from .rules import is_record_officer


class Indicator(RulesModelMixin, models.Model, metaclass=RulesModelBase):
    """One measured target of the programme; targets are data that staff edit per year."""

    year = models.PositiveSmallIntegerField(_("项目年度"))
    area = models.CharField(_("能力领域"), max_length=20, choices=Area.choices)
    code = models.CharField(_("编号"), max_length=10)
    name = models.CharField(_("指标名称"), max_length=200)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    comparator = models.CharField(_("比较方式"), max_length=10, choices=Comparator.choices)
    target = models.DecimalField(
        _("目标值"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    measure = models.CharField(_("计算方式"), max_length=20, choices=Measure.choices)
    basis = models.CharField(
        _("计算依据"), max_length=30, choices=Basis.choices, default=Basis.RECORDS
    )
    categories = models.JSONField(
        _("类别"),
        default=list,
        blank=True,
        help_text=_("记录须选择的类别；“覆盖”类指标须每个类别都有已核实记录"),
    )
    record_rules = models.JSONField(
        _("记录规则"),
        default=dict,
        blank=True,
        help_text=_(
            '例如论文推荐：{"published_from": "2021-01-01", "published_to": '
            '"2023-08-31", "sichuan_author": true, "max_count": 20}'
        ),
    )
    source = models.TextField(_("方案原文"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["year", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="indicator_unique_code_per_year")
        ]
        rules_permissions = {**SECRETARIAT_ONLY, "view": is_secretariat | is_leader | is_officer}

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def target_display(self) -> str:
        target = self.target.normalize()
        target = f"{target:f}"
        if self.comparator == Comparator.DONE:
            return str(Comparator.DONE.label)
        if self.comparator == Comparator.RANK_LTE:
            return _("前%(n)s名") % {"n": target}
        return f"{self.get_comparator_display()} {target}{self.unit}"


class ProgrammeYear(models.Model):
    """The period a year's targets are measured over; status compares progress with it."""

    year = models.PositiveSmallIntegerField(_("项目年度"), unique=True)
    title = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("项目年度")
        verbose_name_plural = _("项目年度")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="programme_year_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title


class Record(RulesModelMixin, Versioned, Timestamped, metaclass=RulesModelBase):
    """One thing the programme counts (a service, a paper, a training, a milestone ...),
    reported by an organisation or the secretariat and counted once staff verify it."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("考核指标"), on_delete=models.PROTECT, related_name="records"
    )
    branch = models.ForeignKey(
        "society.Branch",
        verbose_name=_("分支机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kpi_records",
    )
    member_unit = models.ForeignKey(
        "society.MemberUnit",
        verbose_name=_("会员单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kpi_records",
    )
    category = models.CharField(_("类别"), max_length=60, blank=True)
    title = models.CharField(_("名称"), max_length=200)
    occurred_on = models.DateField(_("日期"))
    description = models.TextField(_("说明"), blank=True)
    link = models.URLField(_("链接"), blank=True)
    quantity = models.PositiveIntegerField(_("数量"), default=1, validators=[MinValueValidator(1)])
    value = models.DecimalField(
        _("数值"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("排名类指标填写名次"),
    )
    source_note = models.CharField(_("数据来源"), max_length=200, blank=True)
    authors = models.CharField(_("作者"), max_length=200, blank=True)
    published_on = models.DateField(_("发表日期"), null=True, blank=True)
    sichuan_author = models.BooleanField(_("第一或通讯作者在川工作"), default=False)
    unique_key = models.CharField(max_length=200, blank=True, editable=False)
    participants = models.ManyToManyField(
        "society.Member",
        verbose_name=_("参与会员"),
        blank=True,
        related_name="kpi_records",
        help_text=_("作者、服务人员、培训学员等，记入其个人成长足迹"),
    )
    status = models.CharField(
        _("核实状态"),
        max_length=20,
        choices=RecordStatus.choices,
        default=RecordStatus.REPORTED,
        db_index=True,
    )
    review_note = models.CharField(_("核实意见"), max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("指标记录")
        verbose_name_plural = _("指标记录")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["indicator", "status"]),
            models.Index(fields=["status", "occurred_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(branch__isnull=False) & models.Q(member_unit__isnull=False)),
                name="record_at_most_one_organisation",
            ),
            models.UniqueConstraint(
                fields=["indicator", "unique_key"],
                condition=~models.Q(unique_key="") & ~models.Q(status="rejected"),
                name="record_counted_once",
            ),
        ]
        rules_permissions = {
            **SECRETARIAT_ONLY,
            "view": is_secretariat | is_leader | is_record_officer,
        }

    def __str__(self):
        return self.title

    @property
    def organisation(self):
        return self.branch or self.member_unit


def evidence_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"kpis/{instance.record_id}/{uuid.uuid4().hex}.{ext}"


class RecordEvidence(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path, storage=get_private_storage)
    original_name = models.CharField(_("文件名"), max_length=150)
    extension = models.CharField(_("类型"), max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Outreach(Timestamped):
    """科服保姆 publicity and contact with one member."""

    member = models.ForeignKey(
        "society.Member",
        verbose_name=_("会员"),
        on_delete=models.CASCADE,
        related_name="outreach",
    )
    contacted_on = models.DateField(_("日期"))
    channel = models.CharField(_("渠道"), max_length=20, choices=OutreachChannel.choices)
    note = models.CharField(_("内容"), max_length=300, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("会员宣传联系")
        verbose_name_plural = _("会员宣传联系")
        ordering = ["-contacted_on", "-id"]
        indexes = [models.Index(fields=["contacted_on", "member"])]

    def __str__(self):
        return f"{self.member} {self.contacted_on}"


class SatisfactionResponse(Timestamped):
    """A member's rating of one service (a verified service record); one answer each."""

    GOOD_FROM = 4  # ratings 4 and 5 count as 好评

    record = models.ForeignKey(
        Record, verbose_name=_("服务"), on_delete=models.CASCADE, related_name="responses"
    )
    member = models.ForeignKey(
        "society.Member",
        verbose_name=_("会员"),
        on_delete=models.CASCADE,
        related_name="satisfaction_responses",
    )
    rating = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["record", "member"], name="one_answer_per_service"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="rating_one_to_five"
            ),
        ]

    def __str__(self):
        return f"{self.member} → {self.record}: {self.rating}"


def report_path(instance, filename):
    return f"reports/{instance.year}/{instance.as_of:%Y%m%d-%H%M%S}-{filename}"


class ProgressReport(Timestamped):
    """A frozen snapshot of every indicator at one moment, rendered as HTML, PDF and .xlsx."""

    year = models.PositiveSmallIntegerField(_("项目年度"))
    as_of = models.DateTimeField(_("统计时点"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scheduled = models.BooleanField(_("定时生成"), default=False)
    html = models.FileField(upload_to=report_path, storage=get_private_storage, blank=True)
    pdf = models.FileField(upload_to=report_path, storage=get_private_storage, blank=True)
    xlsx = models.FileField(upload_to=report_path, storage=get_private_storage, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "as_of"], name="one_report_per_moment")
        ]

    def __str__(self):
        return f"{self.year} {self.as_of:%Y-%m-%d %H:%M}"


class IndicatorSnapshot(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="snapshots")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("实际完成值"), max_digits=12, decimal_places=2, null=True)
    target = models.DecimalField(_("目标值"), max_digits=10, decimal_places=2)
    progress = models.DecimalField(_("完成率"), max_digits=6, decimal_places=2)
    status = models.CharField(_("状态"), max_length=20, choices=ProgressStatus.choices)

    class Meta:
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        ordering = ["report", "indicator__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator"], name="one_snapshot_per_indicator"
            )
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.value}"
