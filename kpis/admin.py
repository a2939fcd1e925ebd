"""The indicator catalogue and the records behind it, in the back office.

Staff keep each year's targets as data, verify the records organisations report (核实 /
不通过), add the society's own records and rank snapshots, import and export records as
.xlsx, and keep the outreach and satisfaction data. Records are written only through
kpis.services (which audit them); the other models here are saved by the admin and
audited by AuditedAdminMixin.
"""

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from import_export.admin import ImportExportModelAdmin

from society.admin_mixins import (
    AuditedAdminMixin,
    SecretariatModuleMixin,
    SecretariatOnlyMixin,
    SpreadsheetAdminMixin,
)
from society.audit import entries_for
from society.errors import DomainError
from society.rules import is_secretariat

from .enums import Basis, RecordStatus
from .forms import MultipleFileField, RejectForm, StaffRecordEditForm, StaffRecordForm
from .models import (
    Indicator,
    Outreach,
    ProgrammeYear,
    Record,
    RecordEvidence,
    SatisfactionResponse,
)
from .record_views import add_evidence, refusal_message
from .resources import RecordResource
from .services import record_reject, record_report, record_update, record_verify


@admin.register(Indicator)
class IndicatorAdmin(SecretariatModuleMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "year",
        "area",
        "comparator",
        "target",
        "unit",
        "target_column",
        "measure",
    )
    list_display_links = ("code", "name")
    list_editable = ("target",)
    list_filter = ("year", "area", "comparator", "measure")
    search_fields = ("code", "name", "source")
    ordering = ("-year", "order", "code")
    fieldsets = (
        (None, {"fields": ("year", "area", "code", "name", "order")}),
        (gettext_lazy("目标"), {"fields": ("comparator", "target", "unit", "measure")}),
        (gettext_lazy("方案原文"), {"fields": ("source",)}),
    )

    def has_view_permission(self, request, obj=None):
        # Leaders and officers may read the catalogue in the portal, not in the back office.
        return is_secretariat(request.user)

    @admin.display(description=gettext_lazy("目标"))
    def target_column(self, obj):
        return obj.target_display


@admin.register(ProgrammeYear)
class ProgrammeYearAdmin(
    SecretariatModuleMixin, SecretariatOnlyMixin, AuditedAdminMixin, admin.ModelAdmin
):
    list_display = ("year", "title", "starts_on", "ends_on")
    ordering = ("-year",)


# ---------------------------------------------------------------------------
# Records


class OrganisationTypeFilter(admin.SimpleListFilter):
    title = gettext_lazy("填报机构类型")
    parameter_name = "organisation"

    def lookups(self, request, model_admin):
        return [
            ("branch", _("分支机构")),
            ("unit", _("会员单位")),
            ("society", _("学会秘书处")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "branch":
            return queryset.filter(branch__isnull=False)
        if self.value() == "unit":
            return queryset.filter(member_unit__isnull=False)
        if self.value() == "society":
            return queryset.filter(branch__isnull=True, member_unit__isnull=True)
        return queryset


class EvidenceInline(admin.TabularInline):
    """The record's evidence, read only, each file one click away."""

    model = RecordEvidence
    fields = ("download_link", "size_column", "uploader", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("佐证材料")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_view_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("文件"))
    def download_link(self, obj):
        url = reverse("kpis:evidence-download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=gettext_lazy("大小"))
    def size_column(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=gettext_lazy("上传人"))
    def uploader(self, obj):
        return obj.uploaded_by or "—"


# Labels of the record's audit entries on its change page.
HISTORY_LABELS = {
    "kpis.record.reported": pgettext_lazy("record history", "填报"),
    "kpis.record.updated": pgettext_lazy("record history", "修改"),
    "kpis.record.verified": pgettext_lazy("record history", "核实"),
    "kpis.record.rejected": pgettext_lazy("record history", "不通过"),
    "kpis.evidence.added": pgettext_lazy("record history", "上传佐证材料"),
}

RECORD_DISPLAY_FIELDS = (
    "indicator",
    "branch",
    "member_unit",
    "category",
    "title",
    "occurred_on",
    "description",
    "link",
    "quantity",
    "value",
    "source_note",
    "authors",
    "published_on",
    "sichuan_author",
    "status",
    "review_note",
    "reported_by",
    "verified_by",
    "verified_at",
    "created_at",
    "updated_at",
)


@admin.register(Record)
class RecordAdmin(
    SecretariatModuleMixin, SecretariatOnlyMixin, SpreadsheetAdminMixin, ImportExportModelAdmin
):
    """Verification happens here: 核实 / 不通过 on the record's page, 核实所选 in the list.

    Adding and editing use their own form pages, which call record_report and
    record_update; the change page itself is read only.
    """

    resource_classes = [RecordResource]
    change_form_template = "admin/kpis/record/change_form.html"
    list_display = (
        "indicator_code",
        "indicator_name",
        "organisation_column",
        "category",
        "title",
        "occurred_on",
        "quantity",
        "status",
        "evidence_count",
    )
    list_display_links = ("title",)
    list_filter = (
        "indicator__year",
        "indicator__area",
        "status",
        OrganisationTypeFilter,
        "indicator",
    )
    list_select_related = ("indicator", "branch", "member_unit")
    search_fields = (
        "title",
        "description",
        "authors",
        "source_note",
        "indicator__code",
        "indicator__name",
        "branch__name",
        "member_unit__name",
    )
    date_hierarchy = "occurred_on"
    actions = ["verify_selected"]
    inlines = [EvidenceInline]
    fieldsets = (
        (
            None,
            {"fields": ("indicator", "branch", "member_unit", "category", "title", "occurred_on")},
        ),
        (
            gettext_lazy("内容"),
            {
                "fields": (
                    "description",
                    "link",
                    "quantity",
                    "value",
                    "source_note",
                    "authors",
                    "published_on",
                    "sichuan_author",
                )
            },
        ),
        (
            gettext_lazy("核实"),
            {
                "fields": (
                    "status",
                    "review_note",
                    "reported_by",
                    "verified_by",
                    "verified_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    readonly_fields = RECORD_DISPLAY_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_total=Count("evidence"))

    def has_delete_permission(self, request, obj=None):
        # A wrong record is marked 不通过 with a reason, so the trail stays.
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name

        def wrap(view):
            return self.admin_site.admin_view(partial(view, self))

        return [
            path(
                "<path:object_id>/verify/",
                wrap(record_verify_view),
                name="{}_{}_verify".format(*info),
            ),
            path(
                "<path:object_id>/reject/",
                wrap(record_reject_view),
                name="{}_{}_reject".format(*info),
            ),
            path(
                "<path:object_id>/edit/",
                wrap(record_edit_view),
                name="{}_{}_edit".format(*info),
            ),
            path(
                "<path:object_id>/evidence/",
                wrap(evidence_upload_view),
                name="{}_{}_evidence".format(*info),
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """A form page that reports through record_report (for the society or one
        organisation), instead of the admin saving the model."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = staff_form(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    record = record_report(
                        user=request.user, data={**form.values(), **form.organisation()}
                    )
                    add_evidence(
                        record=record, user=request.user, files=form.cleaned_data["evidence"]
                    )
            except (DomainError, ValidationError) as error:
                form.add_error(None, refusal_message(error))
            else:
                messages.success(
                    request,
                    _("已新增记录“%(title)s”（待核实）。上传佐证材料后即可核实。")
                    % {"title": record.title},
                )
                return HttpResponseRedirect(change_url(record))
        return record_form_page(self, request, form, title=_("新增指标记录"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                {
                    "title": _("核实指标记录"),
                    "show_save": False,
                    "show_save_and_continue": False,
                    "show_save_and_add_another": False,
                    "can_verify": obj.status != RecordStatus.VERIFIED,
                    "can_reject": obj.status != RecordStatus.REJECTED,
                    "can_edit": obj.status != RecordStatus.VERIFIED,
                    "reject_form": RejectForm(),
                    "process_history": process_history(obj),
                    "verify_url": action_url(obj, "verify"),
                    "reject_url": action_url(obj, "reject"),
                    "edit_url": action_url(obj, "edit"),
                    "evidence_url": action_url(obj, "evidence"),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Columns.

    @admin.display(description=gettext_lazy("指标编号"), ordering="indicator__code")
    def indicator_code(self, obj):
        return obj.indicator.code

    @admin.display(description=gettext_lazy("指标名称"), ordering="indicator__name")
    def indicator_name(self, obj):
        name = obj.indicator.name
        return name if len(name) <= 24 else name[:23] + "…"

    @admin.display(description=gettext_lazy("填报机构"))
    def organisation_column(self, obj):
        return obj.organisation or _("学会秘书处")

    @admin.display(description=gettext_lazy("佐证材料"), ordering="evidence_total")
    def evidence_count(self, obj):
        return obj.evidence_total

    # Bulk verification: each refusal is reported with its reason.

    @admin.action(description=gettext_lazy("核实所选"), permissions=["change"])
    def verify_selected(self, request, queryset):
        done = 0
        for record in queryset.select_related("indicator").order_by("occurred_on", "pk"):
            try:
                record_verify(record=record, user=request.user)
            except DomainError as error:
                self.message_user(request, f"《{record.title}》：{error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("已核实 %(n)d 条记录。") % {"n": done}, messages.SUCCESS)


def change_url(record: Record) -> str:
    return reverse("admin:kpis_record_change", args=[record.pk])


def action_url(record: Record, action: str) -> str:
    return reverse(f"admin:kpis_record_{action}", args=[record.pk])


def staff_form(data=None, files=None, **kwargs) -> StaffRecordForm:
    indicators = list(Indicator.objects.filter(basis=Basis.RECORDS))
    return StaffRecordForm(data, files, indicators=indicators, with_year=True, **kwargs)


def record_form_page(model_admin, request, form, *, title, record=None, **extra):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "original": record,
        **extra,
    }
    return TemplateResponse(request, "admin/kpis/record/form.html", context)


def process_history(record: Record) -> list[dict]:
    rows = []
    for entry in entries_for(record):
        data = entry.data or {}
        changes = data.get("changes") or {}
        detail = (
            data.get("note")
            or data.get("name")
            or "、".join(
                str(Record._meta.get_field(name).verbose_name)
                for name in changes
                if name not in ("status", "review_note", "unique_key")
            )
        )
        rows.append(
            {
                "entry": entry,
                "label": HISTORY_LABELS.get(entry.action, entry.action),
                "detail": detail,
            }
        )
    return rows


def get_record(model_admin, request, object_id) -> Record:
    if not is_secretariat(request.user):
        raise PermissionDenied
    record = model_admin.get_object(request, unquote(object_id))
    if record is None:
        raise Http404
    return record


def _record_decision(model_admin, request, object_id, *, service, done):
    """核实 or 不通过 from the record page: POST only, the service decides, a message says."""
    record = get_record(model_admin, request, object_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RejectForm(request.POST)
    form.is_valid()
    try:
        service(record=record, user=request.user, note=form.cleaned_data.get("note", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"title": record.title})
    return HttpResponseRedirect(change_url(record))


def record_verify_view(model_admin, request, object_id):
    return _record_decision(
        model_admin,
        request,
        object_id,
        service=record_verify,
        done=_("已核实“%(title)s”，计入指标。"),
    )


def record_reject_view(model_admin, request, object_id):
    return _record_decision(
        model_admin,
        request,
        object_id,
        service=record_reject,
        done=_("已将“%(title)s”标为不通过。"),
    )


def record_edit_view(model_admin, request, object_id):
    record = get_record(model_admin, request, object_id)
    if record.status == RecordStatus.VERIFIED:
        messages.error(request, _("记录已核实，不能再修改。"))
        return HttpResponseRedirect(change_url(record))
    indicators = list(Indicator.objects.filter(year=record.indicator.year, basis=Basis.RECORDS))
    form = StaffRecordEditForm(
        request.POST or None, request.FILES or None, instance=record, indicators=indicators
    )
    if request.method == "POST" and form.is_valid():
        stored = Record.objects.select_related("indicator").get(pk=record.pk)
        try:
            with transaction.atomic():
                changes = form.changes()
                if changes:
                    record_update(
                        record=stored,
                        user=request.user,
                        changes=changes,
                        expected_version=form.cleaned_data["version"],
                    )
                add_evidence(record=stored, user=request.user, files=form.cleaned_data["evidence"])
        except (DomainError, ValidationError) as error:
            form.add_error(None, refusal_message(error))
        else:
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(change_url(record))
    return record_form_page(model_admin, request, form, title=_("修改指标记录"), record=record)


def evidence_upload_view(model_admin, request, object_id):
    record = get_record(model_admin, request, object_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    field = MultipleFileField(required=True, error_messages={"required": _("请选择要上传的文件。")})
    try:
        files = field.clean(request.FILES.getlist("evidence"))
        with transaction.atomic():
            added = add_evidence(record=record, user=request.user, files=files)
    except (DomainError, ValidationError) as error:
        messages.error(request, _("上传失败：%(error)s") % {"error": refusal_message(error)})
    else:
        messages.success(
            request, _("已上传：%(names)s。") % {"names": "、".join(e.original_name for e in added)}
        )
    return HttpResponseRedirect(change_url(record))


# ---------------------------------------------------------------------------
# Member outreach (科服保姆) and satisfaction with the services


@admin.register(Outreach)
class OutreachAdmin(
    SecretariatModuleMixin, SecretariatOnlyMixin, AuditedAdminMixin, admin.ModelAdmin
):
    list_display = ("member", "member_number", "contacted_on", "channel", "note", "staff")
    list_filter = ("channel", "contacted_on", ("staff", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("member", "staff")
    search_fields = ("member__name", "member__member_number", "note")
    date_hierarchy = "contacted_on"
    autocomplete_fields = ("member",)
    fields = ("member", "contacted_on", "channel", "note", "staff")
    readonly_fields = ("staff",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.staff = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("会员编号"), ordering="member__member_number")
    def member_number(self, obj):
        return obj.member.member_number


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(
    SecretariatModuleMixin, SecretariatOnlyMixin, AuditedAdminMixin, admin.ModelAdmin
):
    list_display = ("record", "indicator_code", "member", "rating", "comment", "created_at")
    list_filter = ("rating", "record__indicator__year", "record__status")
    list_select_related = ("record__indicator", "member")
    search_fields = ("record__title", "member__name", "member__member_number", "comment")
    date_hierarchy = "created_at"
    autocomplete_fields = ("record", "member")

    @admin.display(description=gettext_lazy("指标编号"), ordering="record__indicator__code")
    def indicator_code(self, obj):
        return obj.record.indicator.code
