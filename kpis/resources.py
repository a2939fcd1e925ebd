"""Indicator records in and out of .xlsx (django-import-export), as the registry does it.

Every row becomes a new record reported (待核实) by the importing staff user, through
kpis.services.record_report. The import is all-or-nothing: if any row is bad, nothing is
written, and the check lists every bad row with its spreadsheet row number and the reason
(an unknown indicator code, a category the indicator does not have, a paper outside the
publication window, a paper already reported or repeated in the file ...).

An indicator code is looked up in the programme year the row's date falls in (else the
date's calendar year). Column headers are fixed Chinese text, like the registry's.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets

from society.errors import DomainError
from society.models import Branch, MemberUnit
from society.resources import (
    BRANCH_NOT_FOUND,
    ChineseDateWidget,
    NameWidget,
    RegistryResource,
    TextWidget,
    YesNoWidget,
    as_text,
    column,
    date_column,
    sheet_row,
)

from .models import Indicator, ProgrammeYear, Record
from .services import RECORD_FIELDS, _normalised_title, record_problems, record_report

RECORD_UNIT_NOT_FOUND = gettext_lazy("未找到会员单位：%(name)s")


class IndicatorCodeWidget(widgets.Widget):
    """The indicator by its code (P01, I05 ...); the resource finds it in the right year."""

    def clean(self, value, row=None, **kwargs):
        return as_text(value).upper()

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class QuantityWidget(widgets.Widget):
    """A whole number of at least 1; an empty cell is 1."""

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return 1
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or number != number.to_integral_value() or number < 1:
            raise ValueError(_("数量“%(value)s”须为不小于 1 的整数。") % {"value": text})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return value


class NumberWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s”不是有效的数值。") % {"value": text}) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value.normalize():f}"


class RecordResource(RegistryResource):
    indicator = column("indicator", "指标编号", IndicatorCodeWidget())
    category = column("category", "类别")
    title = column("title", "名称")
    occurred_on = date_column("occurred_on", "日期")
    quantity = column("quantity", "数量", QuantityWidget())
    description = column("description", "说明")
    link = column("link", "链接", TextWidget())
    branch = column("branch", "分支机构", NameWidget(Branch, "name", BRANCH_NOT_FOUND))
    member_unit = column(
        "member_unit", "会员单位", NameWidget(MemberUnit, "name", RECORD_UNIT_NOT_FOUND)
    )
    value = column("value", "数值", NumberWidget())
    source_note = column("source_note", "数据来源")
    authors = column("authors", "作者")
    published_on = date_column("published_on", "发表日期")
    sichuan_author = column("sichuan_author", "第一或通讯作者在川工作", YesNoWidget())

    class Meta(RegistryResource.Meta):
        model = Record
        name = "指标记录"
        fields = (
            "indicator",
            "category",
            "title",
            "occurred_on",
            "quantity",
            "description",
            "link",
            "branch",
            "member_unit",
            "value",
            "source_note",
            "authors",
            "published_on",
            "sichuan_author",
        )
        import_id_fields = ()
        force_init_instance = True  # every row is a new record
        skip_unchanged = False

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("indicator", "branch", "member_unit")

    # Before the rows: the catalogue, and papers repeated within the file.

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.catalogue = {(i.year, i.code): i for i in Indicator.objects.all()}
        self.periods = list(ProgrammeYear.objects.order_by("starts_on"))
        first_seen: dict[tuple, int] = {}
        for number, values in enumerate(dataset.dict, 1):
            indicator = self.indicator_of(values)
            title = as_text(values.get("名称"))
            if indicator is None or not indicator.record_rules or not title:
                continue
            key = (indicator.pk, _normalised_title(title))
            if key in first_seen:
                self.duplicates.setdefault(number, {})["名称"] = _(
                    "“%(value)s”与表格第 %(row)d 行重复，同一篇（项）只能填报一次。"
                ) % {"value": title, "row": sheet_row(first_seen[key])}
            else:
                first_seen[key] = number

    def year_of(self, day: datetime.date | None) -> int | None:
        if day is None:
            return None
        for period in self.periods:
            if period.starts_on <= day <= period.ends_on:
                return period.year
        return day.year

    def indicator_of(self, row) -> Indicator | None:
        try:
            day = ChineseDateWidget().clean(row.get("日期"))
        except ValueError:
            return None
        code = as_text(row.get("指标编号")).upper()
        return self.catalogue.get((self.year_of(day), code))

    # Each row.

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute != "indicator" or field.column_name not in row:
            return super().import_field(field, instance, row, is_m2m, **kwargs)
        code = field.clean(row)
        if not code:
            raise ValueError(_("“指标编号”为必填项，不能为空。"))
        try:
            day = ChineseDateWidget().clean(row.get("日期"))
        except ValueError:
            day = None
        if day is None:
            raise ValueError(_("请填写正确的日期，以确定指标所属的年度。"))
        indicator = self.indicator_of(row)
        if indicator is None:
            raise ValueError(
                _("%(year)s年度没有编号为“%(code)s”的指标。")
                % {"year": self.year_of(day), "code": code}
            )
        instance.indicator = indicator
        return None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.branch_id and instance.member_unit_id:
            errors.setdefault("member_unit", []).append(
                ValidationError(_("分支机构和会员单位只能填写一个。"))
            )
        if instance.indicator_id and "indicator" not in errors:
            problems = record_problems(instance)
            if problems:
                errors.setdefault(NON_FIELD_ERRORS, []).extend(
                    ValidationError(problem + "。") for problem in problems
                )
        super().validate_instance(instance, errors, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Reported through the service, which also refuses a paper already reported."""
        data = {name: getattr(instance, name) for name in RECORD_FIELDS}
        data.update(branch_id=instance.branch_id, member_unit_id=instance.member_unit_id)
        try:
            record = record_report(user=kwargs.get("user"), data=data)
        except DomainError as error:
            raise ValidationError({NON_FIELD_ERRORS: [error.message]}) from None
        for field in Record._meta.concrete_fields:
            setattr(instance, field.attname, getattr(record, field.attname))
        instance._state.adding = False

    def after_import_row(self, row, row_result, **kwargs):
        """record_report has written each record's audit entry; after_import adds the
        summary of the file."""
