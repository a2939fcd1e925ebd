"""The secretariat's back office for calls, applications, formal check and expert review.

Applicants write in the portal and experts score there; here staff only read what they
wrote and act through the services: every state change goes through
application_transition, every assignment through assignment_create or assignments_auto.
Staff never edit an expert's scores.
"""

import re
from decimal import Decimal
from functools import partial

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from society.admin_mixins import AuditedAdminMixin, SecretariatModuleMixin, SecretariatOnlyMixin
from society.audit import entries_for, log_action
from society.errors import DomainError

from . import admin_views
from .enums import ApplicationStatus, ReviewStatus
from .models import (
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    Call,
    Criterion,
    Milestone,
    PlannedOutput,
    ReviewAssignment,
    Score,
    TeamMember,
)
from .services import (
    TRANSITIONS,
    application_transition,
    assignment_create,
    assignment_refusal,
)

# ---------------------------------------------------------------------------
# Permissions: the back office is the secretariat's alone (officers and experts use the
# portal, even if someone gives them the staff flag).


class ReadOnlyMixin(SecretariatOnlyMixin):
    """Shown to the secretariat, written only by the applicant or the expert in the portal."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def admin_link(obj, text=None) -> str:
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


def rubric_rows(call: Call) -> list[list[str]]:
    return [
        [c.name, f"{c.weight:.2f}", f"{c.max_points:.2f}"] for c in call.criteria.order_by("order")
    ]


# ---------------------------------------------------------------------------
# Calls


REVIEW_STARTED = (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED)


def review_started(call: Call | None) -> bool:
    return bool(
        call
        and call.pk
        and ReviewAssignment.objects.filter(
            application__call=call, status__in=REVIEW_STARTED
        ).exists()
    )


class CriterionInline(SecretariatOnlyMixin, admin.TabularInline):
    model = Criterion
    fields = ("order", "name", "description", "weight", "max_points")
    extra = 0

    # Once an expert has scored, the rubric is fixed: changing it would change their totals.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not review_started(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not review_started(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not review_started(obj)


@admin.register(Call)
class CallAdmin(SecretariatModuleMixin, AuditedAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/projects/call/change_form.html"
    inlines = [CriterionInline]
    list_display = (
        "title",
        "year",
        "applications_open_at",
        "applications_close_at",
        "review_close_at",
        "application_count",
        "ranking_link",
    )
    list_filter = ("year",)
    search_fields = ("title", "notice")
    date_hierarchy = "applications_open_at"
    actions = ["copy_to_new_year", "auto_assign_experts"]
    readonly_fields = ("award_total", "rubric_total")
    fieldsets = (
        (gettext_lazy("基本信息"), {"fields": ("year", "title", "notice")}),
        (
            gettext_lazy("申报主体"),
            {"fields": ("branches_eligible", "units_eligible", "applications_per_organisation")},
        ),
        (
            gettext_lazy("阶段时间"),
            {
                "fields": (
                    "applications_open_at",
                    "applications_close_at",
                    "formal_check_close_at",
                    "review_open_at",
                    "review_close_at",
                    "notice_working_days",
                    "implementation_end",
                ),
                "description": gettext_lazy("均为北京时间。"),
            },
        ),
        (
            gettext_lazy("奖励设置"),
            {"fields": ("award_count", "award_amount", "fund_total", "award_total")},
        ),
        (
            gettext_lazy("评审设置"),
            {
                "fields": (
                    "experts_per_application",
                    "disagreement_threshold",
                    "acceptance_pass_mark",
                    "rubric_total",
                ),
                "description": gettext_lazy(
                    "评分标准在页面下方“评分标准”中设置；专家开始评分后不能再修改。"
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(application_count=Count("applications", distinct=True))
        )

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(partial(view, self))

        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/ranking/",
                wrap(admin_views.call_ranking_view),
                name="{}_{}_ranking".format(*info),
            ),
            path(
                "<path:object_id>/ranking.xlsx",
                wrap(admin_views.call_ranking_xlsx_view),
                name="{}_{}_ranking_xlsx".format(*info),
            ),
            path(
                "<path:object_id>/ranking.pdf",
                wrap(admin_views.call_ranking_pdf_view),
                name="{}_{}_ranking_pdf".format(*info),
            ),
            path(
                "<path:object_id>/copy/",
                wrap(admin_views.call_copy_view),
                name="{}_{}_copy".format(*info),
            ),
            path(
                "<path:object_id>/auto-assign/",
                wrap(admin_views.call_auto_assign_view),
                name="{}_{}_auto_assign".format(*info),
            ),
            *super().get_urls(),
        ]

    # Columns and read-only fields.

    @admin.display(description=gettext_lazy("申报数"), ordering="application_count")
    def application_count(self, obj):
        return obj.application_count

    @admin.display(description=gettext_lazy("评审排名"))
    def ranking_link(self, obj):
        url = reverse("admin:projects_call_ranking", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("查看排名"))

    @admin.display(description=gettext_lazy("奖励总额与结余"))
    def award_total(self, obj):
        if obj is None or obj.award_amount is None or obj.fund_total is None:
            return "—"
        total = obj.award_count * obj.award_amount
        return _("奖励总额 ¥%(total)s，经费结余 ¥%(left)s") % {
            "total": f"{total:,.2f}",
            "left": f"{obj.fund_total - total:,.2f}",
        }

    @admin.display(description=gettext_lazy("评分标准总分"))
    def rubric_total(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        total = sum((c.max_points * c.weight for c in obj.criteria.all()), Decimal("0")).quantize(
            Decimal("0.01")
        )
        return _("%(total)s 分（各评分项满分 × 权重之和）") % {"total": total}

    # The rubric is part of the call: log its changes with the call's own.

    def save_model(self, request, obj, form, change):
        obj._rubric_before = rubric_rows(obj) if change else []
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        after = rubric_rows(obj)
        if after != getattr(obj, "_rubric_before", []):
            log_action(
                "projects.call.rubric_updated",
                user=request.user,
                obj=obj,
                data={"changes": {"criteria": [obj._rubric_before, after]}},
            )

    # Actions: both open a page that asks first.

    def _one_call(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一个申报批次。"), messages.WARNING)
            return None
        return queryset.get()

    @admin.action(description=gettext_lazy("复制到新年度"), permissions=["add"])
    def copy_to_new_year(self, request, queryset):
        call = self._one_call(request, queryset)
        if call is not None:
            return HttpResponseRedirect(reverse("admin:projects_call_copy", args=[call.pk]))
        return None

    @admin.action(description=gettext_lazy("自动分配评审专家"), permissions=["change"])
    def auto_assign_experts(self, request, queryset):
        call = self._one_call(request, queryset)
        if call is not None:
            return HttpResponseRedirect(reverse("admin:projects_call_auto_assign", args=[call.pk]))
        return None


# ---------------------------------------------------------------------------
# Applications: read-only content, state actions, expert assignment.


class ApplicationChildInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class PlannedOutputInline(ApplicationChildInline):
    model = PlannedOutput
    fields = ("indicator", "quantity", "description")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator")


class BudgetLineInline(ApplicationChildInline):
    model = BudgetLine
    fields = ("item", "amount", "note")
    readonly_fields = fields


class TeamMemberInline(ApplicationChildInline):
    model = TeamMember
    fields = ("name", "title", "unit", "role")
    readonly_fields = fields


class MilestoneInline(ApplicationChildInline):
    model = Milestone
    fields = ("due_on", "title", "description")
    readonly_fields = fields


class AttachmentInline(ApplicationChildInline):
    model = Attachment
    fields = ("download_link", "kind", "file_size", "description", "uploaded_at")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("文件"))
    def download_link(self, obj):
        url = reverse("projects:attachment-download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=gettext_lazy("大小"))
    def file_size(self, obj):
        return filesizeformat(obj.size)


class ApplicationVersionInline(ApplicationChildInline):
    model = ApplicationVersion
    fields = ("number", "submitted_at", "submitter", "compare_link")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by")

    @admin.display(description=gettext_lazy("提交人"))
    def submitter(self, obj):
        return obj.submitted_by or "—"

    @admin.display(description=gettext_lazy("对比"))
    def compare_link(self, obj):
        url = reverse("projects:application-versions", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, _("查看并对比各版本"))


class AssignmentFormSet(BaseInlineFormSet):
    """New rows are checked the way assignment_create checks them, with its reasons."""

    def clean(self):
        # Before super().clean(): a refused row then drops out of Django's duplicate check,
        # so staff read our reason rather than a generic "duplicate" message.
        chosen = set()
        for form in self.extra_forms:
            expert = getattr(form, "cleaned_data", {}).get("expert")
            if expert is None:
                continue
            if expert.pk in chosen:
                form.add_error("expert", _("同一位专家只能分配一次。"))
                continue
            chosen.add(expert.pk)
            refusal = assignment_refusal(self.instance, expert)
            if refusal:
                form.add_error("expert", refusal)
        super().clean()


class ReviewAssignmentInline(SecretariatOnlyMixin, admin.TabularInline):
    model = ReviewAssignment
    formset = AssignmentFormSet
    fields = ("expert", "status", "total", "submitted_at", "links")
    readonly_fields = ("status", "total", "submitted_at", "links")
    autocomplete_fields = ("expert",)
    extra = 1
    can_delete = False
    verbose_name = gettext_lazy("评审专家")
    verbose_name_plural = gettext_lazy("评审专家")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("expert")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "expert":
            # Choose an expert here; the registry is kept on the expert's own page.
            widget = field.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return field

    def has_add_permission(self, request, obj=None):
        # Experts are added to applications under review, and only through this form's check.
        return (
            super().has_add_permission(request, obj)
            and obj is not None
            and obj.status == ApplicationStatus.UNDER_REVIEW
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("操作"))
    def links(self, obj):
        if obj is None or obj.pk is None:
            return ""
        view = admin_link(obj, _("查看评分"))
        if obj.status != ReviewStatus.SUBMITTED:
            return view
        reopen = reverse("admin:projects_reviewassignment_reopen")
        return format_html('{} · <a href="{}?ids={}">{}</a>', view, reopen, obj.pk, _("重新开放"))


class ReferenceSearchMixin:
    """Search by reference (SB2023-0007) as well as by the search fields."""

    reference_pattern = re.compile(r"SB(?P<year>\d{4})-(?P<pk>\d+)", re.IGNORECASE)
    reference_prefix = ""

    def get_search_results(self, request, queryset, search_term):
        match = self.reference_pattern.fullmatch(search_term.strip())
        if match:
            prefix = self.reference_prefix
            return (
                queryset.filter(
                    **{f"{prefix}pk": int(match["pk"]), f"{prefix}call__year": int(match["year"])}
                ),
                False,
            )
        return super().get_search_results(request, queryset, search_term)


HISTORY_LABELS = {
    "created": gettext_lazy("创建申报"),
    "children_updated": gettext_lazy("修改申报内容"),
    "updated": gettext_lazy("修改申报内容"),
}


@admin.register(Application)
class ApplicationAdmin(
    ReferenceSearchMixin, SecretariatModuleMixin, SecretariatOnlyMixin, admin.ModelAdmin
):
    change_form_template = "admin/projects/application/change_form.html"
    list_display = (
        "reference_column",
        "title",
        "applicant_column",
        "area",
        "field",
        "status",
        "submitted_at",
        "review_progress",
    )
    list_display_links = ("reference_column", "title")
    list_filter = ("call", "status", "area", "field")
    list_select_related = ("call", "branch", "member_unit", "field")
    search_fields = ("title", "branch__name", "member_unit__name", "summary")
    date_hierarchy = "submitted_at"
    actions = ["pass_check_selected", "complete_review_selected"]
    inlines = [
        PlannedOutputInline,
        BudgetLineInline,
        TeamMemberInline,
        MilestoneInline,
        AttachmentInline,
        ApplicationVersionInline,
        ReviewAssignmentInline,
    ]
    fieldsets = (
        (
            gettext_lazy("基本信息"),
            {"fields": ("reference_column", "call", "applicant_column", "title", "area", "field")},
        ),
        (gettext_lazy("状态"), {"fields": ("status", "submitted_at", "created_by", "updated_at")}),
        (gettext_lazy("申报内容"), {"fields": ("summary", "plan")}),
    )
    readonly_fields = (
        "reference_column",
        "call",
        "applicant_column",
        "title",
        "area",
        "field",
        "status",
        "submitted_at",
        "created_by",
        "updated_at",
        "summary",
        "plan",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                assignment_count=Count(
                    "assignments", filter=~Q(assignments__status=ReviewStatus.CONFLICT)
                ),
                submitted_count=Count(
                    "assignments", filter=Q(assignments__status=ReviewStatus.SUBMITTED)
                ),
            )
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name

        def wrap(view):
            return self.admin_site.admin_view(partial(view, self))

        return [
            path(
                "<path:object_id>/transition/<str:action>/",
                wrap(admin_views.application_transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<path:object_id>/inspection/",
                wrap(admin_views.application_inspection_view),
                name="{}_{}_inspection".format(*info),
            ),
            path(
                "<path:object_id>/acceptance/",
                wrap(admin_views.application_acceptance_view),
                name="{}_{}_acceptance".format(*info),
            ),
            *super().get_urls(),
        ]

    # Applicants write applications; staff never create or delete one here. The page is
    # read-only except for adding experts, which is only possible while under review.

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or obj.status == ApplicationStatus.UNDER_REVIEW
        )

    def save_model(self, request, obj, form, change):
        """Nothing of the application itself is edited here."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not ReviewAssignment:
            formset.save(commit=False)  # read-only rows: nothing to save
            return
        for assignment in formset.save(commit=False):
            try:
                assignment_create(
                    application=form.instance, expert=assignment.expert, user=request.user
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("已将“%(name)s”分配为评审专家，并已通知本人。")
                    % {"name": assignment.expert.name},
                    messages.SUCCESS,
                )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["state_actions"] = [
                {
                    "action": transition.action,
                    "label": transition.label,
                    "needs_reason": transition.needs_reason,
                    "url": reverse(
                        "admin:projects_application_transition", args=[obj.pk, transition.action]
                    ),
                }
                for transition in admin_views.staff_transitions(request.user, obj)
            ]
            context["reason_actions"] = [
                str(item["label"]) for item in context["state_actions"] if item["needs_reason"]
            ]
            context["process_history"] = self.process_history(obj)
            context["implementation"] = admin_views.implementation_panel(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def process_history(application: Application) -> list[dict]:
        statuses = dict(ApplicationStatus.choices)
        rows = []
        for entry in entries_for(application):
            verb = entry.action.rsplit(".", 1)[-1]
            data = entry.data or {}
            if entry.action.startswith("projects.application.") and verb in TRANSITIONS:
                label = TRANSITIONS[verb].label
            elif entry.action == "projects.assignment.created":
                label = _("分配评审专家")
            else:
                label = HISTORY_LABELS.get(verb, entry.action)
            change = ""
            if "from" in data and "to" in data:
                change = f"{statuses.get(data['from'], data['from'])} → "
                change += statuses.get(data["to"], data["to"])
            rows.append(
                {
                    "entry": entry,
                    "label": label,
                    "change": change,
                    "detail": data.get("reason") or data.get("expert") or "",
                }
            )
        return rows

    # Columns.

    @admin.display(description=gettext_lazy("申报编号"), ordering="pk")
    def reference_column(self, obj):
        return obj.reference

    @admin.display(description=gettext_lazy("申报单位"))
    def applicant_column(self, obj):
        return str(obj.applicant)

    @admin.display(description=gettext_lazy("评审（已提交/已分配）"))
    def review_progress(self, obj):
        return f"{obj.submitted_count} / {obj.assignment_count}"

    # Bulk state actions: each refused application is reported with its reason.

    def _bulk_transition(self, request, queryset, action):
        done = 0
        for application in queryset.select_related("call").order_by("pk"):
            try:
                application_transition(application=application, user=request.user, action=action)
            except DomainError as error:
                self.message_user(
                    request,
                    f"{application.reference}《{application.title}》：{error.message}",
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                _("%(n)d项申报已执行“%(action)s”。")
                % {"n": done, "action": TRANSITIONS[action].label},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("形式审查通过（所选申报）"), permissions=["change"])
    def pass_check_selected(self, request, queryset):
        self._bulk_transition(request, queryset, "pass_check")

    @admin.action(description=gettext_lazy("完成评审（所选申报）"), permissions=["change"])
    def complete_review_selected(self, request, queryset):
        self._bulk_transition(request, queryset, "complete_review")


# ---------------------------------------------------------------------------
# Review assignments: read-only; staff reopen a submitted review with a reason.


class ScoreInline(ReadOnlyMixin, admin.TabularInline):
    model = Score
    fields = ("criterion", "points", "max_points")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")

    @admin.display(description=gettext_lazy("满分"))
    def max_points(self, obj):
        return obj.criterion.max_points


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(
    ReferenceSearchMixin, SecretariatModuleMixin, ReadOnlyMixin, admin.ModelAdmin
):
    reference_prefix = "application__"
    list_display = (
        "application_reference",
        "application_title",
        "call_column",
        "expert",
        "status",
        "total",
        "submitted_at",
    )
    list_display_links = ("application_reference", "application_title")
    list_filter = ("application__call", ("expert", admin.RelatedOnlyFieldListFilter), "status")
    list_select_related = (
        "application__call",
        "application__branch",
        "application__member_unit",
        "expert",
    )
    search_fields = ("application__title", "expert__name")
    actions = ["reopen_reviews"]
    inlines = [ScoreInline]
    fields = (
        "application",
        "expert",
        "status",
        "total",
        "submitted_at",
        "comment",
        "conflict_reason",
        "assigned_by",
        "created_at",
    )
    readonly_fields = fields

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(partial(admin_views.assignment_reopen_view, self))
        return [
            path("reopen/", view, name="{}_{}_reopen".format(*info)),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("申报编号"), ordering="application_id")
    def application_reference(self, obj):
        return obj.application.reference

    @admin.display(description=gettext_lazy("项目名称"), ordering="application__title")
    def application_title(self, obj):
        return obj.application.title

    @admin.display(description=gettext_lazy("申报批次"), ordering="application__call__year")
    def call_column(self, obj):
        return obj.application.call.title

    @admin.action(description=gettext_lazy("重新开放评审"), permissions=["view"])
    def reopen_reviews(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(
            f"{reverse('admin:projects_reviewassignment_reopen')}?ids={ids}"
        )
