"""Spreadsheet import and export of the registry (django-import-export).

Column headers and choice labels are fixed Chinese text, not translated strings: the
spreadsheet is an exchange format, and a file exported from the English interface must
import again unchanged. Messages to the user are translated as usual.

Imports are all-or-nothing: if any row is bad, nothing is written, and the dry run lists
every bad row with its spreadsheet row number (the header is row 1) and the reason.
"""

import datetime
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from diff_match_patch import diff_match_patch
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from import_export.results import RowResult

from .admin_mixins import audit_diff, audit_snapshot, audited_fields
from .audit import action_name, audit_entry, snapshot
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
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
REQUIRED_CODES = {"required", "blank", "null"}
# Values per `IN (...)` lookup: well under SQLite's limit on query parameters.
LOOKUP_CHUNK = 500


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
        self._labels: dict[str, str] | None = None

    def labels(self) -> dict[str, str]:
        """{Chinese label: code}, worked out once (the labels are fixed text, see above)."""
        if self._labels is None:
            with translation.override("zh-hans"):
                self._labels = {str(label): value for value, label in self.choices}
        return self._labels

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
        if ISO_DATE.fullmatch(text):  # the usual case, without trying each format in turn
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass  # 2023-02-30: refused below with the message
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
        """{value: object or None}; one query (per 500) for the values not seen yet."""
        unseen = list({value for value in values if value not in self.found})
        for start in range(0, len(unseen), LOOKUP_CHUNK):
            chunk = unseen[start : start + LOOKUP_CHUNK]
            objects = self.model.objects.filter(**{f"{self.field}__in": chunk})
            by_value = {getattr(obj, self.field): obj for obj in objects}
            for value in chunk:
                self.found[value] = by_value.get(value)
        return {value: self.found[value] for value in values}

    def holds(self, obj) -> bool:
        """Whether obj is one of the objects this cache read from the database."""
        return self.found.get(getattr(obj, self.field, None)) is obj


class NameWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related object's name (or another unique field)."""

    def __init__(self, model, field: str, not_found: str):
        super().__init__(model, field=field)
        self.not_found = not_found
        self.cache = LookupCache(model, field)

    def names(self, value) -> list[str]:
        text = as_text(value)
        return [text] if text else []

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

    def names(self, value) -> list[str]:
        return [name.strip() for name in LIST_SEPARATORS.split(as_text(value)) if name.strip()]

    def clean(self, value, row=None, **kwargs):
        by_name = self.cache.get_many(self.names(value))
        missing = sorted({name for name, obj in by_name.items() if obj is None})
        if missing:
            raise ValueError(self.not_found % {"name": "、".join(missing)})
        return list({obj.pk: obj for obj in by_name.values()}.values())  # each object once


def in_model_order(model: type[models.Model], objects: list) -> list | None:
    """The objects sorted as `model.objects.all()` would return them, or None if the model's
    ordering is more than plain ascending fields or a value is empty."""
    ordering = model._meta.ordering
    if not all(isinstance(name, str) and name.isidentifier() for name in ordering):
        return None
    try:
        return sorted(objects, key=lambda obj: tuple(getattr(obj, name) for name in ordering))
    except TypeError:  # an empty value among them
        return None


def diff_text(text: str) -> str:
    """Text escaped as diff-match-patch's diff_prettyHtml escapes it."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "&para;<br>")
    )


def preview_html(before: list, after: list, new: bool) -> list[SafeString]:
    """The preview's cells as import-export's Diff.as_html draws them: a new row's cells
    as added, an existing row's changes character by character. A cell plainly equal or
    added is drawn directly, with the HTML diff-match-patch would make for it: a preview
    of 10,000 rows has 170,000 cells."""
    cells = []
    for old, value in zip(before, after, strict=True):
        old, value = force_str(old), force_str(value)
        if new and old != value:
            old = ""
        if not value and not old:
            html = ""
        elif old == value:
            html = f"<span>{diff_text(value)}</span>"
        elif not old:
            html = f'<ins style="background:#e6ffe6;">{diff_text(value)}</ins>'
        else:
            dmp = diff_match_patch()
            operations = dmp.diff_main(old, value)
            dmp.diff_cleanupSemantic(operations)
            html = dmp.diff_prettyHtml(operations)
        cells.append(SafeString(html))  # the text is escaped above or by diff-match-patch
    return cells


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


def is_m2m(field: fields.Field) -> bool:
    return isinstance(field.widget, widgets.ManyToManyWidget)


@dataclass
class RowState:
    """What import_row needs to remember about the row in hand, between the hooks."""

    new: bool
    # Existing records: the import fields' values as stored (many-to-many: sorted pks).
    stored: dict[str, Any] | None = None
    # Dry run, existing records: the stored values as the preview shows them.
    shown: list[str] | None = None
    # Confirmed import, existing records: the audit snapshot before the change.
    audited: dict[str, Any] = dc_field(default_factory=dict)
    # The many-to-many columns of the row, cleaned.
    links: dict[str, list] = dc_field(default_factory=dict)


class RegistryResource(resources.ModelResource):
    """Shared import rules: validation with Chinese reasons, no duplicates within one file,
    all-or-nothing writes, an audit entry per object and one for the whole import.

    Made for files of tens of thousands of rows (bench/ measures 10,000 members): the
    names a file refers to and the records it updates, with their links, are read in a
    few queries before the first row, and a row does not ask the database again what
    those reads established (that a named unit exists, that a new key is free). The
    preview is drawn in the dry run only. With `use_bulk` (MemberResource) the rows are
    written in batches, their links and audit entries after each batch, without a
    savepoint per row.
    """

    # Columns whose values may appear only once in a file (the key column always).
    unique_columns: tuple[str, ...] = ()

    class Meta:
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        store_instance = True
        # import-export's diff deep-copies every instance and renders it twice, in the
        # confirmation too; the preview is drawn by after_import_row in the dry run only.
        skip_diff = True
        batch_size = 1000

    def import_data(self, dataset, **kwargs):
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def get_queryset(self):
        """The records to update, with the related objects the rows compare and show."""
        foreign_keys, many_to_many = [], []
        for field in self.get_import_fields():
            model_field = self.model_field(field)
            if model_field is None:
                continue
            if model_field.many_to_many:
                many_to_many.append(field.attribute)
            elif model_field.many_to_one or model_field.one_to_one:
                foreign_keys.append(field.attribute)
        return super().get_queryset().select_related(*foreign_keys).prefetch_related(*many_to_many)

    def model_field(self, field: fields.Field):
        try:
            return self._meta.model._meta.get_field(field.attribute)
        except (FieldDoesNotExist, TypeError):
            return None

    def key_field(self) -> fields.Field | None:
        """The one import key column, if the records are matched on one column."""
        keys = self.get_import_id_fields()
        return self.fields[keys[0]] if len(keys) == 1 else None

    # Before the rows: find values repeated within the file, and read what the rows name.

    def before_import(self, dataset, **kwargs):
        self.pending_audit: list[tuple[Any, str, RowState]] = []
        self.pending_links: dict[int, tuple[Any, RowState]] = {}
        self.row_state = RowState(new=True)
        for name in self.get_import_id_fields():
            header = self.fields[name].column_name
            if header not in dataset.headers:
                raise ValueError(_("文件缺少“%(column)s”列，无法导入。") % {"column": header})
        self.find_duplicates(dataset)
        self.read_named_objects(dataset)
        self.prepare_validation()
        self.blank_shown = self.shown_values(self._meta.model(), new=True)

    def find_duplicates(self, dataset) -> None:
        self.duplicates: dict[int, dict[str, str]] = {}
        key = self.key_field()
        names = dict.fromkeys([*([key.column_name] if key else []), *self.unique_columns])
        for name in names:
            if name not in dataset.headers:
                continue
            first_seen: dict[str, int] = {}
            for number, value in enumerate(dataset[name], 1):
                text = as_text(value).upper()
                if not text:
                    continue
                if text in first_seen:
                    self.duplicates.setdefault(number, {})[name] = _(
                        "“%(value)s”与表格第 %(row)d 行重复，同一文件中只能出现一次。"
                    ) % {"value": as_text(value), "row": sheet_row(first_seen[text])}
                else:
                    first_seen[text] = number

    def read_named_objects(self, dataset) -> None:
        """Every unit, branch and area the file names, in one query per column."""
        for field in self.fields.values():
            cache = getattr(field.widget, "cache", None)
            if not isinstance(cache, LookupCache):
                continue
            cache.clear()
            if field.column_name in dataset.headers:
                names = {
                    name
                    for value in dataset[field.column_name]
                    for name in field.widget.names(value)
                }
                cache.get_many(names)

    def prepare_validation(self) -> None:
        """Which checks of full_clean() a row can skip, worked out once per import.

        Fields the resource does not import keep the stored (or default) value, as a
        ModelForm leaves out the fields it does not show. A unique key needs no query per
        row: the instance loader has read the records with the file's keys, so a new
        row's key is free, and find_duplicates refuses a key given twice in the file."""
        model = self._meta.model
        imported = {field.attribute for field in self.get_import_fields()}
        self.not_imported = {
            field.name
            for field in model._meta.concrete_fields
            if field.name not in imported
            and (field.has_default() or field.blank or field.null or field.primary_key)
        }
        self.unique_checked = set(self.not_imported)
        key = self.key_field()
        if key is not None and getattr(self.model_field(key), "unique", False):
            self.unique_checked.add(key.attribute)

    # Each row.

    def import_row(self, row, instance_loader, **kwargs):
        if all(as_text(value) == "" for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        self.row_state = RowState(new=True)
        duplicate = self.duplicates.get(kwargs["row_number"])
        if duplicate:
            raise ValidationError(duplicate)

    def after_init_instance(self, instance, new, row, **kwargs):
        state = self.row_state = RowState(new=new)
        if new:
            return
        state.stored = {
            field.attribute: self.linked_pks(instance, field)
            if is_m2m(field)
            else field.get_value(instance)
            for field in self.get_import_fields()
        }
        if kwargs.get("dry_run"):
            state.shown = self.shown_values(instance, new=False)
        else:
            state.audited = audit_snapshot(instance)

    def linked_pks(self, instance, field: fields.Field) -> list:
        return sorted(obj.pk for obj in getattr(instance, field.attribute).all())

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        """Many-to-many links as import-export writes them, in fewer queries: the values
        cleaned by import_instance, and a new object's links added without reading the
        empty set first."""
        if not (is_m2m and field.attribute in self.row_state.links and not field.readonly):
            return super().import_field(field, instance, row, is_m2m, **kwargs)
        values = self.row_state.links[field.attribute]
        manager = getattr(instance, field.attribute)
        if self.row_state.new:
            manager.add(*values)
        else:
            manager.set(values)
        return None

    def import_instance(self, instance, row, **kwargs):
        """Also check the many-to-many columns now, so bad names are reported as row errors."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if not is_m2m(field):
                continue
            model_field = instance._meta.get_field(field.attribute)
            if field.column_name in row:
                try:
                    values = field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [ValidationError(str(error))]
                    continue
                self.row_state.links[field.attribute] = values
            else:
                values = None if instance.pk else []
            if values == [] and not model_field.blank:
                errors[field.attribute] = [ValidationError("", code="required")]
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """An existing record whose imported values all equal the stored ones is skipped
        (import-export's own check needs its diff, switched off in Meta)."""
        state = self.row_state
        if not self._meta.skip_unchanged or import_validation_errors or state.stored is None:
            return False
        for field in self.get_import_fields():
            if not is_m2m(field):
                if field.get_value(instance) != state.stored[field.attribute]:
                    return False
            elif field.attribute in state.links:
                pks = sorted(obj.pk for obj in state.links[field.attribute])
                if pks != state.stored[field.attribute]:
                    return False
        return True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """full_clean(), leaving out what needs no check (see prepare_validation) and the
        foreign keys this import has just read from the database (a query per row each)."""
        errors = dict(import_validation_errors or {})
        if self._meta.clean_model_instances:
            # Model.full_clean() step by step, each step leaving out the fields in error.
            try:
                instance.full_clean(
                    exclude=set(errors) | self.not_imported | self.read_relations(instance),
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as error:
                errors = error.update_error_dict(errors)
            if validate_unique:
                try:
                    instance.validate_unique(exclude=set(errors) | self.unique_checked)
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
            try:
                instance.validate_constraints(exclude=set(errors))
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(self.errors_by_column(instance, errors))

    def read_relations(self, instance) -> set[str]:
        """Foreign keys set to an object this import read (so it exists), with nothing
        else to check on them."""
        found = set()
        for field in self.get_import_fields():
            cache = getattr(field.widget, "cache", None)
            if is_m2m(field) or not isinstance(cache, LookupCache):
                continue
            model_field = self.model_field(field)
            value = getattr(instance, field.attribute, None)
            if (
                model_field is not None
                and value is not None
                and cache.holds(value)
                and not model_field.validators
                and not model_field.get_limit_choices_to()
            ):
                found.add(field.attribute)
        return found

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

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        if self._meta.use_bulk and not kwargs.get("dry_run"):
            self.pending_links[id(instance)] = (instance, self.row_state)

    def after_import_row(self, row, row_result, **kwargs):
        kind = row_result.import_type
        instance = row_result.instance
        if instance is None or kind not in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
            RowResult.IMPORT_TYPE_SKIP,  # unchanged: shown in the preview as it is
        ):
            return
        state = self.row_state
        if kwargs.get("dry_run"):
            before = self.blank_shown if state.new else state.shown
            after = self.shown_values(instance, new=state.new, links=state.links)
            row_result.diff = preview_html(before, after, state.new)
        elif kind != RowResult.IMPORT_TYPE_SKIP:
            verb = "created" if kind == RowResult.IMPORT_TYPE_NEW else "updated"
            self.pending_audit.append((instance, verb, state))

    def shown_values(self, instance, *, new: bool, links=None) -> list[str]:
        """The import columns as the preview shows them. Many-to-many: the row's cleaned
        objects (not written yet with use_bulk), else the stored ones, none for a new row."""
        shown = []
        for field in self.get_import_fields():
            if not is_m2m(field):
                shown.append(field.export(instance))
            elif links is not None and field.attribute in links:
                model = self.model_field(field).related_model
                objects = in_model_order(model, links[field.attribute]) or links[field.attribute]
                shown.append(
                    field.widget.separator.join(
                        force_str(getattr(obj, field.widget.field)) for obj in objects
                    )
                )
            elif new:
                shown.append("")
            else:
                shown.append(field.export(instance))
        return shown

    # With use_bulk: the many-to-many links of each batch, after its rows are written. The
    # dry run writes the rows (so the database checks them too) but not their links: each
    # link joins a row just inserted to an object just read, and all is rolled back.

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        batch = list(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)
        if not dry_run:
            self.write_links(batch, new=True, raise_errors=raise_errors, result=result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        batch = list(self.update_instances)
        now = timezone.now()
        for instance in batch:
            if hasattr(instance, "updated_at"):
                instance.updated_at = now  # bulk_update() does not apply auto_now
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size, result)
        if not dry_run:
            self.write_links(batch, new=False, raise_errors=raise_errors, result=result)

    def get_bulk_update_fields(self):
        """The concrete columns the rows set, the version and the update time."""
        keys = {self.fields[name].attribute for name in self.get_import_id_fields()}
        names = [
            field.attribute
            for field in self.get_import_fields()
            if not is_m2m(field) and field.attribute not in keys
        ]
        concrete = {field.name for field in self._meta.model._meta.concrete_fields}
        return [*names, *(name for name in ("version", "updated_at") if name in concrete)]

    def write_links(self, batch: list, *, new: bool, raise_errors: bool, result) -> None:
        """The batch's links as through rows, in one insert per many-to-many field (and one
        delete of the old links of changed existing records)."""
        if not batch or any(instance.pk is None for instance in batch):
            return  # nothing was written (the batch failed and result holds the error)
        rows = [self.pending_links.pop(id(instance)) for instance in batch]
        try:
            for field in self._meta.model._meta.many_to_many:
                through = field.remote_field.through
                source = through._meta.get_field(field.m2m_field_name()).attname
                target = through._meta.get_field(field.m2m_reverse_field_name()).attname
                changed = [
                    (instance, state.links[field.name])
                    for instance, state in rows
                    if field.name in state.links
                    and (
                        new
                        or sorted(obj.pk for obj in state.links[field.name])
                        != state.stored[field.name]
                    )
                ]
                if not new and changed:
                    through.objects.filter(
                        **{f"{source}__in": [instance.pk for instance, _objects in changed]}
                    ).delete()
                through.objects.bulk_create(
                    [
                        through(**{source: instance.pk, target: obj.pk})
                        for instance, objects in changed
                        for obj in objects
                    ],
                    batch_size=self._meta.batch_size,
                )
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)

    # After the rows: one audit entry per object and a summary, unless anything failed.

    def written_snapshot(self, instance, state: RowState) -> dict[str, Any]:
        """audit_snapshot(instance) after the import, the links taken from the row rather
        than read back (a query per row and field)."""
        names = audited_fields(type(instance))
        many_to_many = {field.name for field in instance._meta.many_to_many}
        values = snapshot(instance, fields=[name for name in names if name not in many_to_many])
        for name in many_to_many & set(names):
            if name in state.links:
                values[name] = sorted(str(obj) for obj in state.links[name])
            elif state.new:
                values[name] = []
            else:  # a column the file does not have: the stored links, read with the record
                values[name] = sorted(str(obj) for obj in getattr(instance, name).all())
        return values

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        entries = []
        for instance, verb, state in self.pending_audit:
            entry = audit_entry(action_name(instance, verb), user=kwargs.get("user"), obj=instance)
            # audit_diff gives JSON-safe values already; audit_entry(data=...) would walk
            # them again.
            entry.data = {
                "changes": audit_diff(state.audited, self.written_snapshot(instance, state)),
                "source": "import",
                "file": kwargs.get("file_name") or "",
            }
            entries.append(entry)
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
        AuditEntry.objects.bulk_create([*entries, summary], batch_size=self._meta.batch_size)


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
        # Written in batches (see RegistryResource): the registry is imported 10,000+ rows
        # at a time, and a member has no save() logic of its own to bypass.
        use_bulk = True

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
