"""Admin building blocks every app's admins reuse: the audit trail, optimistic locking,
rules-based module permission and spreadsheet import/export.

    @admin.register(Thing)
    class ThingAdmin(SecretariatModuleMixin, AuditedAdminMixin, admin.ModelAdmin):
        ...

Put VersionedAdminMixin first for models with a `version` field (it brings its form).
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import SelectableFieldsExportForm
from import_export.results import RowResult

from .audit import action_name, entries_for, field_changes, log_action, snapshot
from .forms import PlainTextFormMixin
from .rules import is_secretariat
from .xlsx import SafeXLSX, SpreadsheetRefused

# Never logged: secrets, bookkeeping the database fills in, and the lock counter.
UNAUDITED_FIELDS = frozenset(
    {"id", "password", "last_login", "created_at", "updated_at", "version"}
)
EMPTY_VALUES = (None, "", [])

VERB_LABELS = {
    "created": _("新建"),
    "updated": _("修改"),
    "deleted": _("删除"),
    "imported": _("导入"),
    "password_changed": _("修改密码"),
}


def audited_fields(model: type[models.Model]) -> list[str]:
    """Names of the fields whose values the audit log records for this model."""
    meta = model._meta
    return [
        field.name
        for field in [*meta.concrete_fields, *meta.many_to_many]
        if field.name not in UNAUDITED_FIELDS
    ]


def audit_snapshot(instance: models.Model) -> dict[str, Any]:
    return snapshot(instance, fields=audited_fields(type(instance)))


def audit_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]}, leaving out changes between two kinds of nothing (None and "")."""
    return {
        name: values
        for name, values in field_changes(before, after).items()
        if not all(value in EMPTY_VALUES for value in values)
    }


def fresh_snapshot(instance: models.Model) -> dict[str, Any]:
    """The values as stored, read again so no cached relation can hide a change."""
    stored = type(instance)._base_manager.get(pk=instance.pk)
    return audit_snapshot(stored)


def _display(field, value) -> str:
    if value in EMPTY_VALUES:
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def history_rows(obj: models.Model) -> list[dict[str, Any]]:
    """The object's audit entries, newest first, ready for the change-form template."""
    rows = []
    for entry in entries_for(obj):
        verb = entry.action.rsplit(".", 1)[-1]
        changes = []
        for name, values in (entry.data.get("changes") or {}).items():
            try:
                field = obj._meta.get_field(name)
                label = field.verbose_name
            except FieldDoesNotExist:
                field, label = None, name
            old, new = values if isinstance(values, list) and len(values) == 2 else (None, values)
            changes.append(
                {"label": label, "old": _display(field, old), "new": _display(field, new)}
            )
        rows.append(
            {
                "entry": entry,
                "verb": VERB_LABELS.get(verb, entry.action),
                "changes": changes,
                "source": entry.data.get("source", ""),
                "file": entry.data.get("file", ""),
            }
        )
    return rows


class AuditedAdminMixin:
    """Logs every create, update and delete made in the admin, and shows the log on the page.

    Actions are `<app>.<model>.created|updated|deleted` with data {"changes": {field: [old, new]}}.
    The diff is taken after save_related, so many-to-many changes are included.
    """

    change_form_template = "admin/audited_change_form.html"

    def save_model(self, request, obj, form, change):
        obj._audit_before = fresh_snapshot(obj) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        changes = audit_diff(getattr(obj, "_audit_before", {}), fresh_snapshot(obj))
        if change and not changes:
            return
        verb = "updated" if change else "created"
        log_action(action_name(obj, verb), user=request.user, obj=obj, data={"changes": changes})

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._log_deletion(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._log_deletion(request, obj)
            super().delete_queryset(request, queryset)

    def _log_deletion(self, request, obj):
        # What the object held, as {field: [value, None]}.
        changes = {
            name: [new, None] for name, (_old, new) in audit_diff({}, fresh_snapshot(obj)).items()
        }
        log_action(
            action_name(obj, "deleted"), user=request.user, obj=obj, data={"changes": changes}
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["audit_history"] = history_rows(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)


STALE_EDIT_MESSAGE = _(
    "其他人已修改并保存了这条记录，您的修改没有保存，以免覆盖对方的内容。"
    "请重新打开本页查看最新内容后再修改。"
)


class VersionedModelForm(PlainTextFormMixin, forms.ModelForm):
    """Carries the version the editor read; refuses to save over a newer one. Typed text is
    checked as on the portal's forms (PlainTextFormMixin)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None:
            model = type(self.instance)
            # In the admin this runs inside the save's transaction, so on PostgreSQL the row
            # stays locked until the save commits and a second editor waits, then sees the
            # new version.
            with transaction.atomic():
                current = (
                    model._base_manager.select_for_update()
                    .filter(pk=self.instance.pk)
                    .values_list("version", flat=True)
                    .first()
                )
            if cleaned_data.get("expected_version") != current:
                raise ValidationError(STALE_EDIT_MESSAGE, code="stale")
        return cleaned_data


class VersionedAdminMixin:
    """Optimistic locking for models with a `version` field (see society.models.Versioned).

    Use with `form = VersionedModelForm` (or a subclass of it).
    """

    form = VersionedModelForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if "expected_version" in flatten_fieldsets(fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "expected_version"]}), *rest]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = form.cleaned_data["expected_version"] + 1
        super().save_model(request, obj, form, change)


class SecretariatOnlyMixin:
    """The back office is the secretariat's alone: for models without rules permissions,
    and against officers or experts who were given the staff flag by mistake."""

    def has_view_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_add_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_change_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_secretariat(request.user)


class SecretariatModuleMixin:
    """Show the model on the admin index to anyone allowed to view it.

    Django asks the auth backends for app-level ("module") permission before listing an
    app; the rules backend only knows model permissions, so ask about the model itself.
    """

    def has_module_permission(self, request):
        return self.has_view_or_change_permission(request)


class ColumnNameExportForm(SelectableFieldsExportForm):
    """The export page lists each column by its spreadsheet header (单位名称), nothing else."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


class SpreadsheetAdminMixin(ImportExportMixin):
    """Import and export through django-import-export, for users with the model permissions.

    The import page lists every bad row with its spreadsheet row number; the resources
    (see society.resources.RegistryResource) write nothing when any row is bad.
    """

    import_template_name = "admin/spreadsheet_import.html"
    export_form_class = ColumnNameExportForm

    @property
    def formats(self):
        """settings.IMPORT_EXPORT_FORMATS; dotted paths allowed (import-export wants classes)."""
        return [
            import_string(name) if isinstance(name, str) else name
            for name in getattr(settings, "IMPORT_EXPORT_FORMATS", [SafeXLSX])
        ]

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def add_data_read_fail_error_to_form(self, form, e):
        """A file society.xlsx refused says why in Chinese (too large, zip bomb, formulas)."""
        if isinstance(e, SpreadsheetRefused):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed between the check and the confirmation; nothing was written.
            messages.error(
                request,
                _("导入未完成：文件中有不能导入的行，没有写入任何数据。请重新上传文件查看原因。"),
            )
            info = self.get_model_info()
            return HttpResponseRedirect(reverse("admin:{}_{}_import".format(*info)))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        messages.success(
            request,
            _("导入完成：新增 %(new)d 条，更新 %(updated)d 条，无变化 %(skipped)d 条。")
            % {
                "new": result.totals[RowResult.IMPORT_TYPE_NEW],
                "updated": result.totals[RowResult.IMPORT_TYPE_UPDATE],
                "skipped": result.totals[RowResult.IMPORT_TYPE_SKIP],
            },
        )
