"""Spreadsheet import and export of the registry (django-import-export).

Column headers and choice labels are fixed Chinese text, not translated strings: the
spreadsheet is an exchange format, and a file exported from the English interface must
import again unchanged. Messages to the user are translated as usual.

Imports are all-or-nothing: if any row is bad, nothing is written, and the dry run lists
every bad row with its spreadsheet row number (the header is row 1) and the reason.
"""

import datetime
import re
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from import_export.results import RowResult

from .admin_mixins import audit_diff, audit_snapshot
from .audit import action_name, audit_entry
from .enums import (
    BranchType,
    Gender,
    MemberGrade,
    MemberStatus,
    OrgStatus,
    ProfessionalTitle,
    UnitGrade,
    UnitType,
)
from .models import AuditEntry, Branch, Expert, ExpertiseArea, Member, MemberUnit

UNIT_NOT_FOUND = gettext_lazy(
    "未找到会员单位：%(name)s（不是会员单位的，请填在“（非会员单位）”列）"
)
BRANCH_NOT_FOUND = gettext_lazy("未找到分支机构：%(name)s")
EXPERTISE_NOT_FOUND = gettext_lazy("未找到专业领域：%(name)s")
MEMBER_NOT_FOUND = gettext_lazy("未找到个人会员：%(name)s")

LIST_SEPARATORS = re.compile(r"[、，,;；\n]")
REQUIRED_CODES = {"required", "blank", "null"}


def sheet_row(number: int) -> int:
    """import-export counts data rows from 1; the spreadsheet shows the header as row 1."""
    return number + 1


def as_text(value: Any) -> str:
    """A cell as trimmed text; whole numbers typed into Excel (phones) lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# Widgets: how one cell becomes a value and back.


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return as_text(value)


class CodeWidget(TextWidget):
    """Identifiers compared case-insensitively, stored in capitals (统一社会信用代码, 会员编号)."""

    def clean(self, value, row=None, **kwargs):
        return as_text(value).upper()


class ChoiceLabelWidget(widgets.Widget):
    """A choice field written as its Chinese label (理事单位), never as the stored code."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def labels(self) -> dict[str, str]:
        with translation.override("zh-hans"):
            return {str(label): value for value, label in self.choices}

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return ""
        labels = self.labels()
        if text not in labels:
            raise ValueError(
                _("“%(value)s”不是有效的选项，可选：%(allowed)s。")
                % {"value": text, "allowed": "、".join(labels)}
            )
        return labels[text]

    def render(self, value, obj=None, **kwargs):
        by_value = {code: label for label, code in self.labels().items()}
        return by_value.get(value, value or "")


class YesNoWidget(widgets.Widget):
    TRUE = {"是", "有", "已建立", "在库", "true", "yes", "y", "1", "√"}
    FALSE = {"否", "无", "未建立", "不在库", "false", "no", "n", "0", ""}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = as_text(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("“%(value)s”无法识别，请填写“是”或“否”。") % {"value": as_text(value)})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class ChineseDateWidget(widgets.DateWidget):
    INPUT_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

    def __init__(self):
        super().__init__(format="%Y-%m-%d")
        self.formats = self.INPUT_FORMATS

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        text = as_text(value)
        if not text:
            return None
        try:
            return super().clean(text, row, **kwargs)
        except ValueError:
            raise ValueError(
                _("日期“%(value)s”无法识别，请按 2023-05-01 的格式填写。") % {"value": text}
            ) from None


class LookupCache:
    """Objects by a unique field, each value looked up once per import (a file of 10,000
    rows names the same few hundred units again and again). RegistryResource.before_import
    empties it, so every import sees the database as it is."""

    def __init__(self, model, field: str):
        self.model = model
        self.field = field
        self.found: dict[str, Any] = {}

    def clear(self) -> None:
        self.found = {}

    def get_many(self, values) -> dict[str, Any]:
        """{value: object or None}; one query for the values not seen yet."""
        unseen = {value for value in values if value not in self.found}
        if unseen:
            objects = self.model.objects.filter(**{f"{self.field}__in": unseen})
            by_value = {getattr(obj, self.field): obj for obj in objects}
            for value in unseen:
                self.found[value] = by_value.get(value)
        return {value: self.found[value] for value in values}


class NameWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related object's name (or another unique field)."""

    def __init__(self, model, field: str, not_found: str):
        super().__init__(model, field=field)
        self.not_found = not_found
        self.cache = LookupCache(model, field)

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        obj = self.cache.get_many([text])[text]
        if obj is None:
            raise ValueError(self.not_found % {"name": text})
        return obj


class NameListWidget(widgets.ManyToManyWidget):
    """Many-to-many as names separated by 、 or ， or , (unknown names are errors)."""

    def __init__(self, model, not_found: str):
        super().__init__(model, separator="、", field="name")
        self.not_found = not_found
        self.cache = LookupCache(model, "name")

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in LIST_SEPARATORS.split(as_text(value)) if name.strip()]
        by_name = self.cache.get_many(names)
        missing = sorted({name for name, obj in by_name.items() if obj is None})
        if missing:
            raise ValueError(self.not_found % {"name": "、".join(missing)})
        return list({obj.pk: obj for obj in by_name.values()}.values())  # each object once


def keep_linked(instance, attribute: str, objects: list) -> None:
    """Store just-written many-to-many objects on the instance as if prefetched, in the
    model's order, so `instance.<attribute>.all()` needs no query. Models ordered by
    anything but plain ascending fields are left to the database."""
    manager = getattr(instance, attribute)
    ordering = manager.model._meta.ordering
    if not all(isinstance(name, str) and name.isidentifier() for name in ordering):
        return
    try:
        objects = sorted(objects, key=lambda obj: tuple(getattr(obj, name) for name in ordering))
    except TypeError:  # an empty value among them: let the database order them
        return
    queryset = manager.get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[manager.prefetch_cache_name] = queryset


def column(attribute: str, name: str, widget=None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, widget=widget or TextWidget())


def choice_column(attribute: str, name: str, choices) -> fields.Field:
    return column(attribute, name, ChoiceLabelWidget(choices))


def date_column(attribute: str, name: str) -> fields.Field:
    return column(attribute, name, ChineseDateWidget())


def unit_column(attribute: str, name: str) -> fields.Field:
    """A member unit by name; `<name>（非会员单位）` is the free-text column beside it."""
    return column(attribute, name, NameWidget(MemberUnit, "name", UNIT_NOT_FOUND))


def branches_column(attribute: str, name: str) -> fields.Field:
    return column(attribute, name, NameListWidget(Branch, BRANCH_NOT_FOUND))


def units_column(attribute: str, name: str) -> fields.Field:
    return column(attribute, name, NameListWidget(MemberUnit, UNIT_NOT_FOUND))


def expertise_column(attribute: str, name: str) -> fields.Field:
    return column(attribute, name, NameListWidget(ExpertiseArea, EXPERTISE_NOT_FOUND))


class RegistryResource(resources.ModelResource):
    """Shared import rules: validation with Chinese reasons, no duplicates within one file,
    all-or-nothing writes, an audit entry per object and one for the whole import."""

    # Columns whose values may appear only once in a file.
    unique_columns: tuple[str, ...] = ()

    class Meta:
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        store_instance = True

    def import_data(self, dataset, **kwargs):
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    # Before the rows: find values repeated within the file.

    def before_import(self, dataset, **kwargs):
        for field in self.fields.values():
            if isinstance(getattr(field.widget, "cache", None), LookupCache):
                field.widget.cache.clear()
        self.audit_entries: list[AuditEntry] = []
        self.duplicates: dict[int, dict[str, str]] = {}
        for name in self.get_import_id_fields():
            header = self.fields[name].column_name
            if header not in dataset.headers:
                raise ValueError(_("文件缺少“%(column)s”列，无法导入。") % {"column": header})
        for name in self.unique_columns:
            if name not in dataset.headers:
                continue
            first_seen: dict[str, int] = {}
            for number, value in enumerate(dataset[name], 1):
                key = as_text(value).upper()
                if not key:
                    continue
                if key in first_seen:
                    self.duplicates.setdefault(number, {})[name] = _(
                        "“%(value)s”与表格第 %(row)d 行重复，同一文件中只能出现一次。"
                    ) % {"value": as_text(value), "row": sheet_row(first_seen[key])}
                else:
                    first_seen[key] = number

    # Each row.

    def import_row(self, row, instance_loader, **kwargs):
        if all(as_text(value) == "" for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        duplicate = self.duplicates.get(kwargs["row_number"])
        if duplicate:
            raise ValidationError(duplicate)

    def after_init_instance(self, instance, new, row, **kwargs):
        self.instance_is_new = new
        self.before = {} if new or kwargs.get("dry_run") else audit_snapshot(instance)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        """Many-to-many links as import-export writes them, in fewer queries: a new object
        has no links to read before adding them, and the linked objects stay on the
        instance, so the preview and the audit entry do not read them back."""
        if not (is_m2m and field.attribute and field.column_name in row and not field.readonly):
            return super().import_field(field, instance, row, is_m2m, **kwargs)
        values = field.clean(row)
        manager = getattr(instance, field.attribute)
        if getattr(self, "instance_is_new", False):
            manager.add(*values)
        else:
            manager.set(values)
        keep_linked(instance, field.attribute, values)
        return None

    def import_instance(self, instance, row, **kwargs):
        """Also check the many-to-many columns now, so bad names are reported as row errors."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if not isinstance(field.widget, widgets.ManyToManyWidget):
                continue
            model_field = instance._meta.get_field(field.attribute)
            if field.column_name in row:
                try:
                    values = field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [ValidationError(str(error))]
                    continue
            else:
                values = None if instance.pk else []
            if values == [] and not model_field.blank:
                errors[field.attribute] = [ValidationError("", code="required")]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise ValidationError(self.errors_by_column(instance, error.error_dict)) from None

    def errors_by_column(self, instance, error_dict) -> dict[str, list[str]]:
        """Errors keyed by the spreadsheet column (or the field's Chinese name)."""
        columns = {field.attribute: field.column_name for field in self.get_import_fields()}
        by_column = {}
        for key, errors in error_dict.items():
            if key == NON_FIELD_ERRORS:
                name = key
            elif key in columns:
                name = columns[key]
            else:
                name = str(instance._meta.get_field(key).verbose_name)
            by_column[name] = [
                _("“%(column)s”为必填项，不能为空。") % {"column": name}
                if error.code in REQUIRED_CODES
                else " ".join(error.messages)
                for error in errors
            ]
        return by_column

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is not None and hasattr(instance, "version"):
            instance.version += 1

    def after_import_row(self, row, row_result, **kwargs):
        if kwargs.get("dry_run") or row_result.import_type not in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
        ):
            return
        instance = row_result.instance
        verb = "created" if row_result.import_type == RowResult.IMPORT_TYPE_NEW else "updated"
        self.audit_entries.append(
            audit_entry(
                action_name(instance, verb),
                user=kwargs.get("user"),
                obj=instance,
                data={
                    "changes": audit_diff(self.before, audit_snapshot(instance)),
                    "source": "import",
                    "file": kwargs.get("file_name") or "",
                },
            )
        )

    # After the rows: one audit entry per object and a summary, unless anything failed.

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        summary = audit_entry(
            action_name(self._meta.model, "imported"),
            user=kwargs.get("user"),
            data={
                "file": kwargs.get("file_name") or "",
                "rows": result.total_rows,
                "new": result.totals[RowResult.IMPORT_TYPE_NEW],
                "updated": result.totals[RowResult.IMPORT_TYPE_UPDATE],
                "skipped": result.totals[RowResult.IMPORT_TYPE_SKIP],
            },
        )
        AuditEntry.objects.bulk_create([*self.audit_entries, summary])


class BranchResource(RegistryResource):
    name = column("name", "名称")
    branch_type = choice_column("branch_type", "类型", BranchType.choices)
    leader = column("leader", "负责人")
    contact_person = column("contact_person", "联系人")
    contact_phone = column("contact_phone", "联系电话")
    email = column("email", "电子邮箱")
    established_on = date_column("established_on", "成立日期")
    party_group = column("party_group", "已建立党小组", YesNoWidget())
    party_group_on = date_column("party_group_on", "党小组成立日期")
    description = column("description", "简介")
    status = choice_column("status", "状态", OrgStatus.choices)

    unique_columns = ("名称",)

    class Meta(RegistryResource.Meta):
        model = Branch
        name = "分支机构"
        fields = (
            "name",
            "branch_type",
            "leader",
            "contact_person",
            "contact_phone",
            "email",
            "established_on",
            "party_group",
            "party_group_on",
            "description",
            "status",
        )
        import_id_fields = ("name",)
        instance_loader_class = CachedInstanceLoader


class MemberUnitResource(RegistryResource):
    name = column("name", "单位名称")
    credit_code = column("credit_code", "统一社会信用代码", CodeWidget())
    unit_type = choice_column("unit_type", "单位类型", UnitType.choices)
    grade = choice_column("grade", "会员等级", UnitGrade.choices)
    liaison_name = column("liaison_name", "联络员")
    liaison_phone = column("liaison_phone", "联络员电话")
    email = column("email", "电子邮箱")
    address = column("address", "地址")
    joined_on = date_column("joined_on", "入会日期")
    status = choice_column("status", "状态", OrgStatus.choices)

    unique_columns = ("单位名称", "统一社会信用代码")

    class Meta(RegistryResource.Meta):
        model = MemberUnit
        name = "会员单位"
        fields = (
            "name",
            "credit_code",
            "unit_type",
            "grade",
            "liaison_name",
            "liaison_phone",
            "email",
            "address",
            "joined_on",
            "status",
        )
        import_id_fields = ("credit_code",)
        instance_loader_class = CachedInstanceLoader


class MemberResource(RegistryResource):
    member_number = column("member_number", "会员编号", CodeWidget())
    name = column("name", "姓名")
    gender = choice_column("gender", "性别", Gender.choices)
    title = choice_column("title", "职称", ProfessionalTitle.choices)
    employer = unit_column("employer", "工作单位")
    employer_name = column("employer_name", "工作单位（非会员单位）")
    branches = branches_column("branches", "所属分支机构")
    expertise = expertise_column("expertise", "专业领域")
    grade = choice_column("grade", "会员等级", MemberGrade.choices)
    joined_on = date_column("joined_on", "入会日期")
    status = choice_column("status", "状态", MemberStatus.choices)
    phone = column("phone", "手机号")
    email = column("email", "电子邮箱")
    tianfu_registered_on = date_column("tianfu_registered_on", "天府科技云注册日期")
    tianfu_account = column("tianfu_account", "天府科技云账号")
    studio_opened_on = date_column("studio_opened_on", "科创工作室开设日期")
    studio_url = column("studio_url", "科创工作室链接")

    unique_columns = ("会员编号",)

    class Meta(RegistryResource.Meta):
        model = Member
        name = "个人会员"
        fields = (
            "member_number",
            "name",
            "gender",
            "title",
            "employer",
            "employer_name",
            "branches",
            "expertise",
            "grade",
            "joined_on",
            "status",
            "phone",
            "email",
            "tianfu_registered_on",
            "tianfu_account",
            "studio_opened_on",
            "studio_url",
        )
        import_id_fields = ("member_number",)
        instance_loader_class = CachedInstanceLoader

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("employer").prefetch_related("branches", "expertise")


class ExpertResource(RegistryResource):
    """Experts have no registry number; a row matches the expert with the same name and phone."""

    name = column("name", "姓名")
    title = choice_column("title", "职称", ProfessionalTitle.choices)
    member = column(
        "member",
        "会员编号",
        NameWidget(Member, "member_number", MEMBER_NOT_FOUND),
    )
    affiliation = unit_column("affiliation", "所在单位")
    affiliation_name = column("affiliation_name", "所在单位（非会员单位）")
    expertise = expertise_column("expertise", "专业领域")
    office_branches = branches_column("office_branches", "任职分支机构")
    avoid_units = units_column("avoid_units", "回避单位")
    phone = column("phone", "手机号")
    email = column("email", "电子邮箱")
    active = column("active", "在库", YesNoWidget())

    class Meta(RegistryResource.Meta):
        model = Expert
        name = "评审专家"
        fields = (
            "name",
            "title",
            "member",
            "affiliation",
            "affiliation_name",
            "expertise",
            "office_branches",
            "avoid_units",
            "phone",
            "email",
            "active",
        )
        import_id_fields = ("name", "phone")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("affiliation", "member").prefetch_related(
            "expertise", "office_branches", "avoid_units"
        )
