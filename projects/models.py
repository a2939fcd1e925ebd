import uuid
from decimal import Decimal
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModelBase, RulesModelMixin

from kpis.enums import Area
from society.models import Branch, Expert, Member, MemberUnit, Timestamped, Versioned
from society.rules import SECRETARIAT_ONLY, is_secretariat
from society.storage import get_private_storage

from .enums import (
    AcceptanceResult,
    ApplicationStatus,
    AttachmentKind,
    InspectionResult,
    ReviewStatus,
)
from .rules import can_view_application


class Call(RulesModelMixin, Timestamped, metaclass=RulesModelBase):
    """申报批次: one round of the incentive award with its windows, money and rubric."""

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("批次名称"), max_length=200)
    notice = models.TextField(_("申报通知"), blank=True)
    branches_eligible = models.BooleanField(_("分支机构可申报"), default=True)
    units_eligible = models.BooleanField(_("会员单位可申报"), default=True)
    applications_open_at = models.DateTimeField(_("申报开始"))
    applications_close_at = models.DateTimeField(_("申报截止"))
    formal_check_close_at = models.DateTimeField(
        _("形式审查截止"), help_text=_("退回修改的申报须在此之前重新提交")
    )
    review_open_at = models.DateTimeField(_("专家评审开始"))
    review_close_at = models.DateTimeField(_("专家评审截止"))
    notice_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    implementation_end = models.DateField(_("实施截止日期"))
    award_count = models.PositiveSmallIntegerField(_("奖励数量"), default=30)
    award_amount = models.DecimalField(
        _("每项奖励金额（元）"), max_digits=10, decimal_places=2, default=Decimal("3000.00")
    )
    fund_total = models.DecimalField(
        _("奖励经费总额（元）"), max_digits=12, decimal_places=2, default=Decimal("100000.00")
    )
    applications_per_organisation = models.PositiveSmallIntegerField(
        _("每个机构可申报数"), default=1, validators=[MinValueValidator(1)]
    )
    experts_per_application = models.PositiveSmallIntegerField(
        _("每项申报评审专家数"), default=3, validators=[MinValueValidator(1)]
    )
    disagreement_threshold = models.DecimalField(
        _("分歧阈值（分）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        help_text=_("专家最高分与最低分之差超过此值时标记“意见分歧”"),
    )
    acceptance_pass_mark = models.DecimalField(
        _("验收合格分"), max_digits=5, decimal_places=2, default=Decimal("80.00")
    )

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["-year", "-applications_open_at"]
        rules_permissions = {**SECRETARIAT_ONLY, "view": is_secretariat}

    def __str__(self):
        return self.title

    def clean(self):
        order = [
            ("applications_open_at", self.applications_open_at),
            ("applications_close_at", self.applications_close_at),
            ("formal_check_close_at", self.formal_check_close_at),
            ("review_open_at", self.review_open_at),
            ("review_close_at", self.review_close_at),
        ]
        for (_before, earlier), (field, later) in pairwise(order):
            if earlier and later and later < earlier:
                raise ValidationError({field: _("各阶段时间须按顺序排列，此时间早于上一阶段。")})
        if (
            self.award_count
            and self.award_amount
            and self.fund_total is not None
            and self.award_count * self.award_amount > self.fund_total
        ):
            raise ValidationError({"fund_total": _("奖励数量 × 每项金额超过了奖励经费总额。")})
        if not (self.branches_eligible or self.units_eligible):
            raise ValidationError(_("至少允许一类申报主体。"))

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.applications_open_at <= at <= self.applications_close_at

    def review_is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.review_open_at <= at <= self.review_close_at


class Criterion(models.Model):
    """One line of the call's rubric: 实施能力强, 工作好, 措施实, 潜力大."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评分项"), max_length=50)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    weight = models.DecimalField(
        _("权重"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    max_points = models.DecimalField(
        _("满分"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("25.00"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("评分标准")
        verbose_name_plural = _("评分标准")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="criterion_unique_name_per_call")
        ]

    def __str__(self):
        return self.name


class Application(RulesModelMixin, Versioned, Timestamped, metaclass=RulesModelBase):
    """申报项目 from one branch or one member unit."""

    call = models.ForeignKey(
        Call, verbose_name=_("申报批次"), on_delete=models.PROTECT, related_name="applications"
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("申报分支机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    member_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("申报会员单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    title = models.CharField(_("项目名称"), max_length=200)
    area = models.CharField(_("能力领域"), max_length=20, choices=Area.choices)
    field = models.ForeignKey(
        "society.ExpertiseArea",
        verbose_name=_("专业领域"),
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("用于匹配评审专家"),
    )
    summary = models.TextField(_("项目简介"), blank=True)
    plan = models.TextField(_("具体方案"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("申报项目")
        verbose_name_plural = _("申报项目")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["call", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(branch__isnull=False, member_unit__isnull=True)
                    | Q(branch__isnull=True, member_unit__isnull=False)
                ),
                name="application_one_applicant",
            )
        ]
        rules_permissions = {**SECRETARIAT_ONLY, "view": can_view_application}

    def __str__(self):
        return self.title

    @property
    def reference(self) -> str:
        return f"SB{self.call.year}-{self.pk:04d}" if self.pk else ""

    @property
    def applicant(self) -> Branch | MemberUnit:
        return self.branch or self.member_unit

    @property
    def is_editable(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


class PlannedOutput(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="outputs")
    indicator = models.ForeignKey(
        "kpis.Indicator", verbose_name=_("对应指标"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    description = models.CharField(_("成果说明"), max_length=300)

    class Meta:
        verbose_name = _("预期成果")
        verbose_name_plural = _("预期成果")
        ordering = ["id"]

    def __str__(self):
        return f"{self.indicator.name} × {self.quantity}"


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget")
    item = models.CharField(_("支出科目"), max_length=100)
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    note = models.CharField(_("测算依据"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("经费预算")
        verbose_name_plural = _("经费预算")
        ordering = ["id"]

    def __str__(self):
        return f"{self.item} {self.amount}"


class TeamMember(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职称/职务"), max_length=50, blank=True)
    unit = models.CharField(_("工作单位"), max_length=150, blank=True)
    role = models.CharField(_("项目分工"), max_length=100)
    member = models.ForeignKey(
        Member,
        verbose_name=_("对应个人会员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_roles",
    )

    class Meta:
        verbose_name = _("项目团队成员")
        verbose_name_plural = _("项目团队成员")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Milestone(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("节点"), max_length=150)
    due_on = models.DateField(_("计划完成日期"))
    description = models.CharField(_("完成标志"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("进度安排")
        verbose_name_plural = _("进度安排")
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"{self.due_on} {self.title}"


def attachment_path(instance, filename):
    # The stored name is ours; the user's name is kept in original_name.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.{instance.extension}"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(
        _("类别"),
        max_length=20,
        choices=AttachmentKind.choices,
        default=AttachmentKind.APPLICATION,
    )
    output = models.ForeignKey(
        "PlannedOutput",
        verbose_name=_("对应预期成果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
        help_text=_("佐证材料须对应申报书中的一项预期成果"),
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, storage=get_private_storage)
    original_name = models.CharField(_("文件名"), max_length=150)
    extension = models.CharField(_("类型"), max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class ApplicationVersion(models.Model):
    """A frozen copy of what was submitted, each time it was submitted."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本号"))
    data = models.JSONField(_("内容"))
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("提交版本")
        verbose_name_plural = _("提交版本")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="application_version_unique_number"
            )
        ]

    def __str__(self):
        return f"{self.application} v{self.number}"


class ReviewAssignment(Timestamped):
    """One expert's review of one application: assignment, scores and 评审意见."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("申报项目"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("评审专家"), on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.ASSIGNED
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("评审意见"), blank=True)
    total = models.DecimalField(
        _("加权总分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    conflict_reason = models.CharField(_("回避理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("评审任务")
        verbose_name_plural = _("评审任务")
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"], name="assignment_unique_expert"
            )
        ]
        indexes = [models.Index(fields=["expert", "status"])]

    def __str__(self):
        return f"{self.expert} → {self.application}"


class Score(models.Model):
    assignment = models.ForeignKey(
        ReviewAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(
        _("得分"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="score_unique_criterion"
            )
        ]

    def __str__(self):
        return f"{self.criterion}: {self.points}"


# ---------------------------------------------------------------------------
# Implementation of an awarded project: progress, inspection, final report, acceptance.


class ProgressUpdate(Timestamped):
    """进展报告 posted by the awardee, optionally against one of its milestones."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="progress_updates"
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("对应进度节点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="progress_updates",
    )
    reported_on = models.DateField(_("报告日期"))
    text = models.TextField(_("进展情况"))
    milestone_done = models.BooleanField(_("该节点已完成"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-reported_on", "-id"]

    def __str__(self):
        return f"{self.reported_on} {self.application}"


class Inspection(Timestamped):
    """中期检查 recorded by staff."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="inspections"
    )
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200)
    findings = models.TextField(_("检查意见"))
    result = models.CharField(_("检查结论"), max_length=20, choices=InspectionResult.choices)
    fix_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("中期检查")
        verbose_name_plural = _("中期检查")
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result="passed") | Q(fix_deadline__isnull=False),
                name="inspection_rectify_needs_deadline",
            )
        ]

    def __str__(self):
        return f"{self.inspected_on} {self.get_result_display()}"

    def clean(self):
        if self.result == InspectionResult.RECTIFY and not self.fix_deadline:
            raise ValidationError({"fix_deadline": _("结论为整改时须填写整改期限。")})


class FinalReport(Timestamped):
    """工作总结 submitted by the awardee; evidence files are Attachments of kind EVIDENCE."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="final_report"
    )
    summary = models.TextField(_("工作总结"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("结题报告")
        verbose_name_plural = _("结题报告")

    def __str__(self):
        return f"{self.application} 工作总结"


class Acceptance(Timestamped):
    """验收 by staff or experts: a score against the call's pass mark and a result."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="acceptance"
    )
    score = models.DecimalField(
        _("验收得分"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    result = models.CharField(_("验收结论"), max_length=20, choices=AcceptanceResult.choices)
    opinion = models.TextField(_("验收意见"))
    reviewers = models.CharField(_("验收人员"), max_length=200)
    accepted_on = models.DateField(_("验收日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("验收")
        verbose_name_plural = _("验收")

    def __str__(self):
        return f"{self.application} {self.get_result_display()}"
