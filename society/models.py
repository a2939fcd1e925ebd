import uuid

import rules
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModelBase, RulesModelMixin

from .enums import (
    ArticleKind,
    BranchType,
    DuesStatus,
    Gender,
    MemberGrade,
    MemberStatus,
    OrgStatus,
    ProfessionalTitle,
    RegistrationStatus,
    Role,
    UnitGrade,
    UnitType,
)
from .rules import (
    ORGANISATION,
    SECRETARIAT_ONLY,
    is_own_member_record,
    is_secretariat,
    never,
)
from .storage import get_private_storage
from .validators import validate_credit_code, validate_member_number, validate_phone


class Versioned(models.Model):
    """Optimistic locking: a save names the version it read (see society.services)."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class Timestamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ExpertiseArea(RulesModelMixin, models.Model, metaclass=RulesModelBase):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    is_priority = models.BooleanField(
        _("重点服务领域"), default=False, help_text=_("实施方案列明的五个科技服务领域")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        rules_permissions = SECRETARIAT_ONLY
        verbose_name = _("专业领域")
        verbose_name_plural = _("专业领域")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class Branch(RulesModelMixin, Versioned, Timestamped, metaclass=RulesModelBase):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    branch_type = models.CharField(_("类型"), max_length=20, choices=BranchType.choices)
    leader = models.CharField(_("负责人"), max_length=50, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("联系电话"), max_length=20, blank=True, validators=[validate_phone]
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    party_group = models.BooleanField(_("已建立党小组"), default=False)
    party_group_on = models.DateField(_("党小组成立日期"), null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )

    class Meta:
        rules_permissions = ORGANISATION
        verbose_name = _("分支机构")
        verbose_name_plural = _("分支机构")
        ordering = ["branch_type", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_group=True) | Q(party_group_on__isnull=True),
                name="branch_party_group_date_needs_group",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.party_group_on and not self.party_group:
            raise ValidationError({"party_group_on": _("未建立党小组时不能填写党小组成立日期。")})
        if self.party_group and not self.party_group_on:
            raise ValidationError({"party_group_on": _("已建立党小组时请填写成立日期。")})


class MemberUnit(RulesModelMixin, Versioned, Timestamped, metaclass=RulesModelBase):
    name = models.CharField(_("单位名称"), max_length=150, unique=True)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    unit_type = models.CharField(_("单位类型"), max_length=20, choices=UnitType.choices)
    grade = models.CharField(
        _("会员等级"), max_length=20, choices=UnitGrade.choices, default=UnitGrade.MEMBER
    )
    liaison_name = models.CharField(_("联络员"), max_length=50)
    liaison_phone = models.CharField(_("联络员电话"), max_length=20, validators=[validate_phone])
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    joined_on = models.DateField(_("入会日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )

    class Meta:
        rules_permissions = ORGANISATION
        verbose_name = _("会员单位")
        verbose_name_plural = _("会员单位")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()


class User(RulesModelMixin, AbstractUser, metaclass=RulesModelBase):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("所属分支机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    member_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("所属会员单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True, validators=[validate_phone])
    dashboard_access = models.BooleanField(
        _("可查看指标看板"),
        default=False,
        help_text=_("学会领导和秘书处总能查看；勾选后联络员或专家也可只读查看指标看板和进展报告"),
    )

    class Meta(AbstractUser.Meta):
        rules_permissions = {**SECRETARIAT_ONLY, "delete": rules.is_superuser}
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role=Role.OFFICER, branch__isnull=False, member_unit__isnull=True)
                    | Q(role=Role.OFFICER, branch__isnull=True, member_unit__isnull=False)
                    | (~Q(role=Role.OFFICER) & Q(branch__isnull=True, member_unit__isnull=True))
                ),
                name="user_officer_bound_to_one_organisation",
            )
        ]

    def __str__(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    def clean(self):
        super().clean()
        if self.role == Role.OFFICER and bool(self.branch_id) == bool(self.member_unit_id):
            raise ValidationError(_("机构联络员必须且只能绑定一个分支机构或会员单位。"))
        if self.role != Role.OFFICER and (self.branch_id or self.member_unit_id):
            raise ValidationError(_("只有机构联络员可以绑定分支机构或会员单位。"))

    @property
    def organisation(self) -> Branch | MemberUnit | None:
        return self.branch or self.member_unit


class Member(RulesModelMixin, Versioned, Timestamped, metaclass=RulesModelBase):
    member_number = models.CharField(
        _("会员编号"), max_length=20, unique=True, validators=[validate_member_number]
    )
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices)
    title = models.CharField(
        _("职称"), max_length=30, choices=ProfessionalTitle.choices, blank=True
    )
    employer = models.ForeignKey(
        MemberUnit,
        verbose_name=_("工作单位（会员单位）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    employer_name = models.CharField(
        _("工作单位名称"), max_length=150, blank=True, help_text=_("非会员单位时填写")
    )
    branches = models.ManyToManyField(
        Branch, verbose_name=_("所属分支机构"), blank=True, related_name="members"
    )
    expertise = models.ManyToManyField(
        ExpertiseArea, verbose_name=_("专业领域"), blank=True, related_name="members"
    )
    grade = models.CharField(
        _("会员等级"), max_length=20, choices=MemberGrade.choices, default=MemberGrade.REGULAR
    )
    joined_on = models.DateField(_("入会日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    phone = models.CharField(_("手机号"), max_length=20, validators=[validate_phone])
    email = models.EmailField(_("电子邮箱"), blank=True)
    tianfu_registered_on = models.DateField(_("天府科技云注册日期"), null=True, blank=True)
    tianfu_account = models.CharField(_("天府科技云账号"), max_length=60, blank=True)
    studio_opened_on = models.DateField(_("科创工作室开设日期"), null=True, blank=True)
    studio_url = models.URLField(_("科创工作室链接"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )

    class Meta:
        rules_permissions = {
            **SECRETARIAT_ONLY,
            "view": is_secretariat | is_own_member_record,
        }
        verbose_name = _("个人会员")
        verbose_name_plural = _("个人会员")
        ordering = ["member_number"]
        indexes = [
            models.Index(fields=["status", "joined_on"]),
            # The admin list's date hierarchy reads MIN/MAX(joined_on) on every request.
            models.Index(fields=["joined_on"], name="society_member_joined_idx"),
        ]

    def __str__(self):
        return f"{self.name}（{self.member_number}）"

    @property
    def employer_display(self) -> str:
        return self.employer.name if self.employer_id else self.employer_name


class Expert(RulesModelMixin, Timestamped, metaclass=RulesModelBase):
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(
        _("职称"), max_length=30, choices=ProfessionalTitle.choices, blank=True
    )
    member = models.OneToOneField(
        Member,
        verbose_name=_("对应个人会员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert",
    )
    affiliation = models.ForeignKey(
        MemberUnit,
        verbose_name=_("所在单位（会员单位）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experts",
    )
    affiliation_name = models.CharField(
        _("所在单位名称"), max_length=150, blank=True, help_text=_("非会员单位时填写")
    )
    expertise = models.ManyToManyField(
        ExpertiseArea, verbose_name=_("专业领域"), related_name="experts"
    )
    office_branches = models.ManyToManyField(
        Branch,
        verbose_name=_("任职分支机构"),
        blank=True,
        related_name="office_experts",
        help_text=_("在其中担任职务的分支机构，评审时自动回避"),
    )
    avoid_units = models.ManyToManyField(
        MemberUnit,
        verbose_name=_("回避单位"),
        blank=True,
        related_name="avoiding_experts",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True, validators=[validate_phone])
    email = models.EmailField(_("电子邮箱"), blank=True)
    active = models.BooleanField(_("在库"), default=True)

    class Meta:
        rules_permissions = SECRETARIAT_ONLY
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def affiliation_display(self) -> str:
        return self.affiliation.name if self.affiliation_id else self.affiliation_name


class StaffMember(RulesModelMixin, Timestamped, metaclass=RulesModelBase):
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("岗位"), max_length=60)
    full_time = models.BooleanField(_("专职"), default=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    email = models.EmailField(_("电子邮箱"), blank=True)
    started_on = models.DateField(_("到岗日期"))
    left_on = models.DateField(_("离岗日期"), null=True, blank=True)

    class Meta:
        rules_permissions = SECRETARIAT_ONLY
        verbose_name = _("专职工作人员")
        verbose_name_plural = _("专职工作人员")
        ordering = ["started_on", "id"]

    def __str__(self):
        return f"{self.name}（{self.position}）"

    def clean(self):
        if self.left_on and self.started_on and self.left_on < self.started_on:
            raise ValidationError({"left_on": _("离岗日期不能早于到岗日期。")})


class AuditEntry(RulesModelMixin, models.Model, metaclass=RulesModelBase):
    """One append-only log for the whole platform; see society.audit.log_action."""

    action = models.CharField(_("动作"), max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_repr = models.CharField(_("操作人（记录时）"), max_length=150, blank=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        rules_permissions = {"view": is_secretariat, "add": never, "change": never, "delete": never}
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("操作日志只能追加，不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("操作日志只能追加，不能删除。"))


class Notification(models.Model):
    """A message in the platform's own inbox; mail is sent beside it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title


class SentReminder(models.Model):
    """One row per reminder sent, so a scheduled reminder is never sent twice."""

    key = models.CharField(_("提醒标识"), max_length=200, unique=True)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已发送提醒")
        verbose_name_plural = _("已发送提醒")

    def __str__(self):
        return self.key


# ---------------------------------------------------------------------------
# Membership: self-registration, periods, dues, the growth record.


class Registration(Timestamped):
    """个人会员入会申请, filled in by the applicant on the public sign-up page."""

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices)
    phone = models.CharField(_("手机号"), max_length=20, validators=[validate_phone])
    email = models.EmailField(_("电子邮箱"))
    employer = models.ForeignKey(
        MemberUnit,
        verbose_name=_("工作单位（会员单位）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    employer_name = models.CharField(_("工作单位"), max_length=150)
    title = models.CharField(
        _("职称"), max_length=30, choices=ProfessionalTitle.choices, blank=True
    )
    expertise = models.ManyToManyField(
        ExpertiseArea, verbose_name=_("专业领域"), blank=True, related_name="+"
    )
    branches = models.ManyToManyField(
        Branch, verbose_name=_("意向分支机构"), blank=True, related_name="+"
    )
    consent_at = models.DateTimeField(_("同意隐私声明时间"))
    email_confirmed_at = models.DateTimeField(_("邮箱确认时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.UNCONFIRMED,
        db_index=True,
    )
    decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    member = models.OneToOneField(
        "Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="registration"
    )
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name}（{self.get_status_display()}）"


class MemberNumberCounter(models.Model):
    """The last member number given out for a year; its row is locked while one is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("会员编号计数")
        verbose_name_plural = _("会员编号计数")

    def __str__(self):
        return f"{self.year}: {self.last}"


class MembershipPeriod(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="periods")
    grade = models.CharField(_("会员等级"), max_length=20, choices=MemberGrade.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("会籍期")
        verbose_name_plural = _("会籍期")
        ordering = ["member", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="period_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.member} {self.starts_on}—{self.ends_on}"


class Dues(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("金额（元）"), max_digits=8, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=20, choices=DuesStatus.choices, default=DuesStatus.UNPAID
    )
    paid_on = models.DateField(_("缴费日期"), null=True, blank=True)
    receipt_number = models.CharField(_("票据号"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("会费")
        verbose_name_plural = _("会费")
        ordering = ["member", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="dues_once_per_year"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False), name="paid_dues_have_a_date"
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.year} {self.get_status_display()}"


def growth_evidence_path(instance, filename):
    return f"growth/{instance.member_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"


class GrowthEntry(Timestamped):
    """An entry a member adds to their own 个人成长足迹, with evidence."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="growth_entries")
    occurred_on = models.DateField(_("日期"))
    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    evidence = models.FileField(
        _("证明材料"), upload_to=growth_evidence_path, storage=get_private_storage, blank=True
    )
    evidence_name = models.CharField(_("证明材料文件名"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("成长足迹")
        verbose_name_plural = _("成长足迹")
        ordering = ["-occurred_on", "-id"]

    def __str__(self):
        return self.title


# ---------------------------------------------------------------------------
# 信息发布: notices and news the secretariat publishes.


class Article(RulesModelMixin, Timestamped, metaclass=RulesModelBase):
    kind = models.CharField(_("栏目"), max_length=20, choices=ArticleKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    publish_at = models.DateTimeField(
        _("发布时间"), db_index=True, help_text=_("到此时间后公开显示")
    )
    published = models.BooleanField(_("发布"), default=False)
    call = models.ForeignKey(
        "projects.Call",
        verbose_name=_("对应申报批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        help_text=_("申报通知链接到该批次的申报页面"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("信息发布")
        verbose_name_plural = _("信息发布")
        ordering = ["-publish_at", "-id"]
        rules_permissions = SECRETARIAT_ONLY

    def __str__(self):
        return self.title


def article_attachment_path(instance, filename):
    return (
        f"articles/{instance.article_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"
    )


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("文件"), upload_to=article_attachment_path, storage=get_private_storage
    )
    original_name = models.CharField(_("文件名"), max_length=150)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self):
        return self.original_name
