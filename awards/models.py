import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModelBase, RulesModelMixin

from projects.models import Application, Call
from society.models import Timestamped
from society.rules import SECRETARIAT_ONLY, is_leader, is_secretariat
from society.storage import get_private_storage
from society.validators import validate_phone

from .enums import AwardStatus, NoticeStatus, ObjectionStatus

MONEY = {"max_digits": 12, "decimal_places": 2}


class AwardPool(RulesModelMixin, Timestamped, metaclass=RulesModelBase):
    """The call's awards and fund. Its row is locked whenever an award takes or frees a place;
    the committed counters are kept in the same transaction and checked by the database."""

    call = models.OneToOneField(
        Call, verbose_name=_("申报批次"), on_delete=models.PROTECT, related_name="pool"
    )
    award_count = models.PositiveSmallIntegerField(_("奖励数量"))
    award_amount = models.DecimalField(_("每项奖励金额（元）"), **MONEY)
    fund_total = models.DecimalField(_("奖励经费总额（元）"), **MONEY)
    committed_count = models.PositiveSmallIntegerField(_("已占用名额"), default=0)
    committed_amount = models.DecimalField(_("已占用经费（元）"), default=Decimal("0.00"), **MONEY)

    class Meta:
        verbose_name = _("奖励池")
        verbose_name_plural = _("奖励池")
        ordering = ["-call__year"]
        rules_permissions = {**SECRETARIAT_ONLY, "view": is_secretariat | is_leader}
        constraints = [
            models.CheckConstraint(
                condition=Q(committed_count__lte=F("award_count")),
                name="pool_count_never_exceeded",
            ),
            models.CheckConstraint(
                condition=Q(committed_amount__lte=F("fund_total")),
                name="pool_fund_never_exceeded",
            ),
            models.CheckConstraint(
                condition=Q(committed_amount__gte=0), name="pool_committed_not_negative"
            ),
        ]

    def __str__(self):
        return str(self.call)

    @property
    def places_left(self) -> int:
        return self.award_count - self.committed_count

    @property
    def money_left(self) -> Decimal:
        return self.fund_total - self.committed_amount


class Award(RulesModelMixin, Timestamped, metaclass=RulesModelBase):
    pool = models.ForeignKey(
        AwardPool, verbose_name=_("奖励池"), on_delete=models.PROTECT, related_name="awards"
    )
    application = models.ForeignKey(
        Application, verbose_name=_("申报项目"), on_delete=models.PROTECT, related_name="awards"
    )
    amount = models.DecimalField(
        _("奖励金额（元）"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=AwardStatus.choices, default=AwardStatus.PROPOSED
    )
    rank = models.PositiveSmallIntegerField(_("评审排名"), null=True, blank=True)
    score = models.DecimalField(
        _("评审得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    paid_amount = models.DecimalField(_("已拨付（元）"), default=Decimal("0.00"), **MONEY)
    certificate_number = models.CharField(_("证书编号"), max_length=40, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("奖励")
        verbose_name_plural = _("奖励")
        ordering = ["pool", "rank", "id"]
        rules_permissions = {**SECRETARIAT_ONLY, "view": is_secretariat | is_leader}
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["proposed", "confirmed"]),
                name="award_one_per_application",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__lte=F("amount")), name="award_never_overpaid"
            ),
            models.CheckConstraint(condition=Q(paid_amount__gte=0), name="award_paid_not_negative"),
        ]

    def __str__(self):
        return f"{self.application}（{self.get_status_display()}）"

    @property
    def is_paid(self) -> bool:
        return self.status == AwardStatus.CONFIRMED and self.paid_amount == self.amount


def private_upload_path(instance, filename):
    return f"{instance.UPLOAD_FOLDER}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"


class Payment(Timestamped):
    """拨付: one transfer of money to an awardee."""

    UPLOAD_FOLDER = "payments"

    award = models.ForeignKey(
        Award, verbose_name=_("奖励"), on_delete=models.PROTECT, related_name="payments"
    )
    paid_on = models.DateField(_("拨付日期"))
    amount = models.DecimalField(
        _("金额（元）"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    voucher_number = models.CharField(_("凭证号"), max_length=50, unique=True)
    proof = models.FileField(
        _("凭证扫描件"), upload_to=private_upload_path, storage=get_private_storage, blank=True
    )
    proof_name = models.CharField(_("凭证文件名"), max_length=150, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("拨付记录")
        verbose_name_plural = _("拨付记录")
        ordering = ["paid_on", "id"]

    def __str__(self):
        return f"{self.voucher_number} ¥{self.amount:,.2f}"


class PublicNotice(Timestamped):
    """公示: the proposed list, public for a number of working days."""

    call = models.OneToOneField(
        Call, verbose_name=_("申报批次"), on_delete=models.PROTECT, related_name="public_notice"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("公示说明"))
    status = models.CharField(
        _("状态"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED
    )
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认结果时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-published_at"]

    def __str__(self):
        return self.title


class Objection(Timestamped):
    """异议: filed by anyone during the notice period, with real name, contact and evidence."""

    UPLOAD_FOLDER = "objections"

    notice = models.ForeignKey(
        PublicNotice, verbose_name=_("公示"), on_delete=models.PROTECT, related_name="objections"
    )
    award = models.ForeignKey(
        Award,
        verbose_name=_("针对项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    name = models.CharField(_("真实姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_phone])
    email = models.EmailField(_("电子邮箱"), blank=True)
    employer = models.CharField(_("工作单位"), max_length=150, blank=True)
    content = models.TextField(_("异议内容"))
    evidence = models.FileField(
        _("证明材料"), upload_to=private_upload_path, storage=get_private_storage, blank=True
    )
    evidence_name = models.CharField(_("证明材料文件名"), max_length=150, blank=True)
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("处理状态"),
        max_length=20,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.PENDING,
    )
    decision = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name}：{self.content[:30]}"
