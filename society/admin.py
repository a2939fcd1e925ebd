"""The secretariat's back office for the society registry.

Secretariat users (role 秘书处 with is_staff) get their model permissions from the rules
in each model's Meta.rules_permissions; they need no Django group.
"""

import json
from functools import partial

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from .admin_mixins import (
    VERB_LABELS,
    AuditedAdminMixin,
    SecretariatModuleMixin,
    SecretariatOnlyMixin,
    SpreadsheetAdminMixin,
    VersionedAdminMixin,
    history_rows,
)
from .audit import action_name, log_action
from .enums import DuesStatus, RegistrationStatus
from .errors import DomainError
from .models import (
    AuditEntry,
    Branch,
    Dues,
    Expert,
    ExpertiseArea,
    Member,
    MembershipPeriod,
    MemberUnit,
    Registration,
    StaffMember,
    User,
)
from .registration_forms import DuesPaymentForm, RejectRegistrationForm
from .resources import BranchResource, ExpertResource, MemberResource, MemberUnitResource
from .rules import is_secretariat
from .services import dues_record_payment, registration_approve, registration_reject


class RegistryAdmin(SecretariatModuleMixin, AuditedAdminMixin, admin.ModelAdmin):
    pass


class RegistrySpreadsheetAdmin(
    SecretariatModuleMixin, AuditedAdminMixin, SpreadsheetAdminMixin, ImportExportModelAdmin
):
    pass


@admin.register(ExpertiseArea)
class ExpertiseAreaAdmin(RegistryAdmin):
    list_display = ("name", "code", "is_priority", "order")
    list_filter = ("is_priority",)
    search_fields = ("name", "code")


@admin.register(Branch)
class BranchAdmin(VersionedAdminMixin, RegistrySpreadsheetAdmin):
    resource_classes = [BranchResource]
    list_display = (
        "name",
        "branch_type",
        "leader",
        "contact_person",
        "contact_phone",
        "party_group",
        "party_group_on",
        "member_count",
        "status",
    )
    list_filter = ("branch_type", "party_group", "status")
    search_fields = ("name", "leader", "contact_person", "contact_phone", "email")
    fieldsets = (
        (None, {"fields": ("name", "branch_type", "status", "established_on", "description")}),
        (_("负责人与联系方式"), {"fields": ("leader", "contact_person", "contact_phone", "email")}),
        (_("党建"), {"fields": ("party_group", "party_group_on")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members", distinct=True))

    @admin.display(description=_("个人会员数"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(MemberUnit)
class MemberUnitAdmin(VersionedAdminMixin, RegistrySpreadsheetAdmin):
    resource_classes = [MemberUnitResource]
    list_display = (
        "name",
        "credit_code",
        "unit_type",
        "grade",
        "liaison_name",
        "liaison_phone",
        "joined_on",
        "member_count",
        "status",
    )
    list_filter = ("grade", "unit_type", "status")
    search_fields = ("name", "credit_code", "liaison_name", "liaison_phone", "address")
    date_hierarchy = "joined_on"
    fieldsets = (
        (None, {"fields": ("name", "credit_code", "unit_type", "grade", "joined_on", "status")}),
        (_("联络信息"), {"fields": ("liaison_name", "liaison_phone", "email", "address")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members", distinct=True))

    @admin.display(description=_("个人会员数"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


class MembershipPeriodInline(SecretariatOnlyMixin, admin.TabularInline):
    model = MembershipPeriod
    extra = 0
    fields = ("grade", "starts_on", "ends_on")


class DuesInline(SecretariatOnlyMixin, admin.TabularInline):
    """Dues rows are added here; payments are recorded on their own page (dues_record_payment)."""

    model = Dues
    extra = 0
    can_delete = False
    fields = ("year", "amount", "status", "paid_on", "receipt_number", "payment_link")
    readonly_fields = ("status", "paid_on", "receipt_number", "payment_link")

    @admin.display(description=_("登记会费"))
    def payment_link(self, obj):
        if obj.pk is None or obj.status != DuesStatus.UNPAID:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:society_dues_pay", args=[obj.pk]), _("登记会费")
        )


@admin.register(Member)
class MemberAdmin(RegistrySpreadsheetAdmin):
    resource_classes = [MemberResource]
    inlines = [MembershipPeriodInline, DuesInline]
    readonly_fields = ("certificate_link",)
    list_display = (
        "member_number",
        "name",
        "gender",
        "title",
        "employer_column",
        "grade",
        "joined_on",
        "status",
        "phone",
        "tianfu_registered_on",
    )
    list_filter = (
        "status",
        "grade",
        "gender",
        "title",
        "branches",
        ("tianfu_registered_on", admin.EmptyFieldListFilter),
        ("studio_opened_on", admin.EmptyFieldListFilter),
    )
    list_select_related = ("employer",)
    search_fields = (
        "member_number",
        "name",
        "phone",
        "email",
        "employer__name",
        "employer_name",
        "tianfu_account",
    )
    date_hierarchy = "joined_on"
    autocomplete_fields = ("employer", "user")
    filter_horizontal = ("branches", "expertise")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "member_number",
                    "name",
                    "gender",
                    "title",
                    "grade",
                    "joined_on",
                    "status",
                    "certificate_link",
                )
            },
        ),
        (
            _("工作单位与分支机构"),
            {"fields": ("employer", "employer_name", "branches", "expertise")},
        ),
        (_("联系方式与账号"), {"fields": ("phone", "email", "user")}),
        (
            _("天府科技云与科创工作室"),
            {
                "fields": (
                    "tianfu_registered_on",
                    "tianfu_account",
                    "studio_opened_on",
                    "studio_url",
                )
            },
        ),
    )

    @admin.display(description=_("工作单位"), ordering="employer__name")
    def employer_column(self, obj):
        return obj.employer_display

    def action_checkbox(self, obj):
        """The row's selection box, written out: the same HTML as Django's, which renders
        a form widget template per row (about a tenth of this 100-row page's time)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    @admin.display(description=_("会员证"))
    def certificate_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("member-certificate-of", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载会员证"))


@admin.register(Expert)
class ExpertAdmin(RegistrySpreadsheetAdmin):
    resource_classes = [ExpertResource]
    list_display = (
        "name",
        "title",
        "affiliation_column",
        "expertise_column",
        "phone",
        "email",
        "active",
    )
    list_filter = ("active", "expertise", "title")
    list_select_related = ("affiliation",)
    search_fields = (
        "name",
        "phone",
        "email",
        "affiliation__name",
        "affiliation_name",
        "member__member_number",
    )
    autocomplete_fields = ("member", "user", "affiliation")
    filter_horizontal = ("expertise", "office_branches", "avoid_units")
    fieldsets = (
        (None, {"fields": ("name", "title", "active", "member", "user")}),
        (_("单位与专业"), {"fields": ("affiliation", "affiliation_name", "expertise")}),
        (_("回避"), {"fields": ("office_branches", "avoid_units")}),
        (_("联系方式"), {"fields": ("phone", "email")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("expertise")

    @admin.display(description=_("所在单位"), ordering="affiliation__name")
    def affiliation_column(self, obj):
        return obj.affiliation_display

    @admin.display(description=_("专业领域"))
    def expertise_column(self, obj):
        return "、".join(area.name for area in obj.expertise.all())


@admin.register(StaffMember)
class StaffMemberAdmin(RegistryAdmin):
    list_display = ("name", "position", "full_time", "phone", "email", "started_on", "left_on")
    list_filter = ("full_time", ("left_on", admin.EmptyFieldListFilter))
    search_fields = ("name", "position", "phone", "email")
    date_hierarchy = "started_on"


# Fields that could hand out more power than the secretariat has.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "groups", "user_permissions")


@admin.register(User)
class SocietyUserAdmin(SecretariatModuleMixin, AuditedAdminMixin, UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("last_name", "first_name", "email", "phone")}),
        (_("角色与所属机构"), {"fields": ("role", "branch", "member_unit", "dashboard_access")}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (
            _("角色与所属机构"),
            {
                "fields": (
                    "last_name",
                    "first_name",
                    "role",
                    "branch",
                    "member_unit",
                    "phone",
                    "is_staff",
                )
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = (
        "username",
        "full_name",
        "role",
        "organisation_column",
        "phone",
        "email",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_staff", "is_active", "is_superuser", "groups")
    list_select_related = ("branch", "member_unit")
    search_fields = (
        "username",
        "last_name",
        "first_name",
        "email",
        "phone",
        "branch__name",
        "member_unit__name",
    )
    autocomplete_fields = ("branch", "member_unit")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS],
                },
            )
            for name, options in fieldsets
        ]

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return [f for f in self.list_filter if f not in SUPERUSER_ONLY_FIELDS]

    def has_change_permission(self, request, obj=None):
        """Only a superuser may change a superuser (or their password)."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            log_action(action_name(User, "password_changed"), user=request.user, obj=user)
        return response

    @admin.display(description=_("姓名"), ordering="last_name")
    def full_name(self, obj):
        return f"{obj.last_name}{obj.first_name}"

    @admin.display(description=_("所属机构"))
    def organisation_column(self, obj):
        return obj.organisation or ""


class ActionPrefixFilter(admin.SimpleListFilter):
    """Entries about one kind of object: society.member.* and so on."""

    title = _("对象类型")
    parameter_name = "action_prefix"

    def lookups(self, request, model_admin):
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        prefixes = sorted({action.rsplit(".", 1)[0] for action in actions})
        return [(prefix, self.label(prefix)) for prefix in prefixes]

    @staticmethod
    def label(prefix: str) -> str:
        try:
            model = apps.get_model(prefix)
        except (LookupError, ValueError):
            return prefix
        return f"{model._meta.verbose_name}（{prefix}）"

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action__startswith=f"{self.value()}.")
        return queryset


class ActionVerbFilter(admin.SimpleListFilter):
    title = _("操作")
    parameter_name = "verb"

    def lookups(self, request, model_admin):
        return list(VERB_LABELS.items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action__endswith=f".{self.value()}")
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(SecretariatModuleMixin, admin.ModelAdmin):
    """The log is append-only: it can be read and searched, never added to or edited here."""

    list_display = ("created_at", "actor_repr", "action", "object_link")
    list_filter = (
        ActionPrefixFilter,
        ActionVerbFilter,
        ("content_type", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    list_select_related = ("content_type",)
    search_fields = ("action", "actor_repr", "object_repr", "object_id")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "action",
        "actor_repr",
        "content_type",
        "object_id",
        "object_repr",
        "data_display",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("对象"), ordering="object_repr")
    def object_link(self, entry):
        if entry.content_type is None or not entry.object_id:
            return entry.object_repr
        meta = entry.content_type
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model}_change", args=[entry.object_id])
        except NoReverseMatch:
            return entry.object_repr
        return format_html('<a href="{}">{}</a>', url, entry.object_repr)

    @admin.display(description=_("内容"))
    def data_display(self, entry):
        return format_html("<pre>{}</pre>", json.dumps(entry.data, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------------------
# Membership: 入会申请 decided through the services, dues payments recorded through theirs.


def admin_page(model_admin, request, template, **context):
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            **context,
        },
    )


def secretariat_object(model_admin, request, object_id):
    if not is_secretariat(request.user):
        raise PermissionDenied
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404
    return obj


def registration_change_url(registration: Registration) -> str:
    return reverse("admin:society_registration_change", args=[registration.pk])


@admin.register(Registration)
class RegistrationAdmin(SecretariatOnlyMixin, admin.ModelAdmin):
    """Read only: the applicant wrote it; staff 批准 or 不予批准 with a reason."""

    change_form_template = "admin/society/registration/change_form.html"
    list_display = (
        "name",
        "phone",
        "email",
        "employer_name",
        "title",
        "status",
        "created_at",
        "email_confirmed_at",
        "member",
    )
    list_filter = ("status", "created_at")
    list_select_related = ("member",)
    search_fields = ("name", "phone", "email", "employer_name")
    date_hierarchy = "created_at"
    actions = ["approve_selected"]
    fields = (
        "name",
        "gender",
        "phone",
        "email",
        "employer",
        "employer_name",
        "title",
        "expertise_list",
        "branch_list",
        "consent_at",
        "created_at",
        "email_confirmed_at",
        "status",
        "decision_note",
        "decided_by",
        "decided_at",
        "member",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("expertise", "branches")

    @admin.display(description=_("专业领域"))
    def expertise_list(self, obj):
        return "、".join(area.name for area in obj.expertise.all()) or "—"

    @admin.display(description=_("意向分支机构"))
    def branch_list(self, obj):
        return "、".join(branch.name for branch in obj.branches.all()) or "—"

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(partial(view, self))

        return [
            path(
                "<path:object_id>/approve/",
                wrap(registration_approve_view),
                name="society_registration_approve",
            ),
            path(
                "<path:object_id>/reject/",
                wrap(registration_reject_view),
                name="society_registration_reject",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                {
                    "title": _("审核入会申请"),
                    "show_save": False,
                    "show_save_and_continue": False,
                    "show_save_and_add_another": False,
                    "can_approve": obj.status == RegistrationStatus.PENDING,
                    "can_reject": obj.status
                    in (RegistrationStatus.PENDING, RegistrationStatus.UNCONFIRMED),
                    "reject_form": RejectRegistrationForm(),
                    "approve_url": reverse("admin:society_registration_approve", args=[obj.pk]),
                    "reject_url": reverse("admin:society_registration_reject", args=[obj.pk]),
                    "audit_history": history_rows(obj),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=_("批准所选"), permissions=["change"])
    def approve_selected(self, request, queryset):
        done = 0
        for registration in queryset.order_by("created_at", "pk"):
            try:
                registration_approve(registration=registration, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{registration.name}：{error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request, _("已批准 %(n)d 份入会申请。") % {"n": done}, messages.SUCCESS
            )


def registration_approve_view(model_admin, request, object_id):
    registration = secretariat_object(model_admin, request, object_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        member = registration_approve(registration=registration, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已批准%(name)s的入会申请，会员编号 %(number)s，已发邮件通知设置密码。")
            % {"name": member.name, "number": member.member_number},
        )
    return HttpResponseRedirect(registration_change_url(registration))


def registration_reject_view(model_admin, request, object_id):
    registration = secretariat_object(model_admin, request, object_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RejectRegistrationForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        registration_reject(registration=registration, user=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已不予批准%(name)s的入会申请。") % {"name": registration.name})
    return HttpResponseRedirect(registration_change_url(registration))


@admin.register(Dues)
class DuesAdmin(SecretariatOnlyMixin, admin.ModelAdmin):
    """Dues are added on the member's page; a payment or exemption is recorded on its own
    page through dues_record_payment, never typed into the row."""

    list_display = ("member", "year", "amount", "status", "paid_on", "receipt_number", "pay")
    list_filter = ("status", "year")
    list_select_related = ("member",)
    search_fields = ("member__name", "member__member_number", "receipt_number")
    fields = ("member", "year", "amount", "status", "paid_on", "receipt_number")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("登记会费"))
    def pay(self, obj):
        return DuesInline.payment_link(None, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/pay/",
                self.admin_site.admin_view(partial(dues_pay_view, self)),
                name="society_dues_pay",
            ),
            *super().get_urls(),
        ]


def dues_pay_view(model_admin, request, object_id):
    dues = secretariat_object(model_admin, request, object_id)
    form = DuesPaymentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            dues_record_payment(
                dues=dues,
                user=request.user,
                paid_on=form.cleaned_data["paid_on"],
                receipt_number=form.cleaned_data["receipt_number"],
                exempt=form.cleaned_data["exempt"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("已登记%(member)s %(year)s 年度会费：%(status)s。")
                % {"member": dues.member, "year": dues.year, "status": dues.get_status_display()},
            )
            return HttpResponseRedirect(
                reverse("admin:society_member_change", args=[dues.member_id])
            )
    return admin_page(
        model_admin,
        request,
        "admin/society/dues/pay.html",
        title=_("登记会费"),
        form=form,
        original=dues,
    )


from . import article_admin  # noqa: E402, F401  信息发布
