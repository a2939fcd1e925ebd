from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModelBase, RulesModelMixin

from society.rules import SECRETARIAT_ONLY, is_leader, is_officer, is_secretariat

from .enums import Area, Comparator, Measure


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
