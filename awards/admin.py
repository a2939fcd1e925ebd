"""The secretariat's back office for awards: the pool of each call, the proposal, the 公示 and
its objections, payments 拨付 and the spreadsheets for the finance office.

Nothing here is edited as a model form: every row is written by awards.services, through the
pages in awards.admin_views. The model pages list and show what the services wrote.
"""

from functools import partial

from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from projects.admin import ReadOnlyMixin, admin_link
from society.admin_mixins import SecretariatModuleMixin
from society.audit import entries_for

from . import admin_views
from .enums import HOLDING_STATES, AwardStatus, NoticeStatus, ObjectionStatus
from .exports import money
from .models import Award, AwardPool, Objection, Payment, PublicNotice

APPLICATION_RELATED = ("application__call", "application__branch", "application__member_unit")


class AwardsAdmin(SecretariatModuleMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Secretariat only, read-only; the pages of admin_views write through the services.
    Change pages show the audit entries the services wrote about the object."""

    change_form_template = "admin/awards/change_form.html"

    def wrap(self, view):
        return self.admin_site.admin_view(partial(view, self))

    def url_name(self, name: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{name}"

    def history_entries(self, obj):
        return entries_for(obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["history"] = admin_views.history_rows(self.history_entries(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)


def pool_links(call_id) -> str:
    return format_html_join(
        " · ",
        '<a href="{}">{}</a>',
        [
            (reverse("admin:awards_awardpool_pool", args=[call_id]), _("奖励池")),
            (reverse("admin:awards_awardpool_proposal", args=[call_id]), _("拟奖励")),
            (reverse("admin:awards_awardpool_payments", args=[call_id]), _("拨付")),
        ],
    )


# ---------------------------------------------------------------------------
# Pools: one per call; the pages are keyed by the call, so a call without a pool yet gets
# one from its settings the first time its pool page opens.


@admin.register(AwardPool)
class AwardPoolAdmin(AwardsAdmin):
    list_display = [
        "call",
        "award_count",
        "amount_column",
        "fund_column",
        "committed_count",
        "committed_column",
        "links",
    ]
    list_select_related = ["call"]

    def get_urls(self):
        call = "call/<int:call_id>/"
        return [
            path(call, self.wrap(admin_views.pool_view), name=self.url_name("pool")),
            path(
                f"{call}proposal/",
                self.wrap(admin_views.proposal_view),
                name=self.url_name("proposal"),
            ),
            path(
                f"{call}proposal/suggested/",
                self.wrap(admin_views.propose_suggested_view),
                name=self.url_name("propose_suggested"),
            ),
            path(
                f"{call}proposal/<int:application_id>/",
                self.wrap(admin_views.propose_view),
                name=self.url_name("propose"),
            ),
            path(
                f"{call}publish/",
                self.wrap(admin_views.publish_view),
                name=self.url_name("publish"),
            ),
            path(
                f"{call}payments/",
                self.wrap(admin_views.payments_view),
                name=self.url_name("payments"),
            ),
            path(
                f"{call}payments.xlsx",
                self.wrap(admin_views.payments_xlsx_view),
                name=self.url_name("payments_xlsx"),
            ),
            path(
                f"{call}ledger.xlsx",
                self.wrap(admin_views.ledger_xlsx_view),
                name=self.url_name("ledger_xlsx"),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The pool's own page is the pool page of its call."""
        pool = self.get_object(request, object_id)
        if pool is None or not self.has_view_permission(request, pool):
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:awards_awardpool_pool", args=[pool.call_id]))

    @admin.display(description=_("每项金额"))
    def amount_column(self, obj):
        return money(obj.award_amount)

    @admin.display(description=_("经费总额"))
    def fund_column(self, obj):
        return money(obj.fund_total)

    @admin.display(description=_("已占用经费"))
    def committed_column(self, obj):
        return money(obj.committed_amount)

    @admin.display(description=_("页面"))
    def links(self, obj):
        return pool_links(obj.call_id)


# ---------------------------------------------------------------------------
# Awards and payments


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    fields = ["paid_on", "amount_column", "voucher_number", "proof_link", "note", "recorder"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")

    @admin.display(description=_("金额"))
    def amount_column(self, obj):
        return money(obj.amount)

    @admin.display(description=_("凭证扫描件"))
    def proof_link(self, obj):
        return proof_link(obj)

    @admin.display(description=_("登记人"))
    def recorder(self, obj):
        return obj.recorded_by or "—"


def proof_link(payment: Payment) -> str:
    if not payment.proof:
        return "—"
    url = reverse("admin:awards_payment_proof", args=[payment.pk])
    return format_html('<a href="{}">{}</a>', url, payment.proof_name or _("下载"))


@admin.register(Award)
class AwardAdmin(AwardsAdmin):
    change_form_template = "admin/awards/award/change_form.html"
    list_display = [
        "certificate_number",
        "reference_column",
        "title_column",
        "applicant_column",
        "status",
        "amount_column",
        "paid_column",
        "rank",
        "score",
    ]
    list_display_links = ["certificate_number", "reference_column", "title_column"]
    list_filter = ["status", "pool__call"]
    list_select_related = ["pool", *APPLICATION_RELATED]
    search_fields = ["application__title", "certificate_number"]
    inlines = [PaymentInline]
    fields = [
        "pool",
        "application",
        "status",
        "amount",
        "paid_amount",
        "rank",
        "score",
        "note",
        "certificate_number",
        "confirmed_at",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pool__call", *APPLICATION_RELATED)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/release/",
                self.wrap(admin_views.release_view),
                name=self.url_name("release"),
            ),
            path(
                "<path:object_id>/payment/",
                self.wrap(admin_views.payment_add_view),
                name=self.url_name("payment"),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["can_pay"] = obj.status == AwardStatus.CONFIRMED and not obj.is_paid
            context["can_release"] = obj.status in HOLDING_STATES and not obj.paid_amount
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("申报编号"), ordering="application_id")
    def reference_column(self, obj):
        return obj.application.reference

    @admin.display(description=_("项目名称"), ordering="application__title")
    def title_column(self, obj):
        return obj.application.title

    @admin.display(description=_("申报单位"))
    def applicant_column(self, obj):
        return str(obj.application.applicant)

    @admin.display(description=_("奖励金额"), ordering="amount")
    def amount_column(self, obj):
        return money(obj.amount)

    @admin.display(description=_("已拨付"), ordering="paid_amount")
    def paid_column(self, obj):
        return money(obj.paid_amount)


@admin.register(Payment)
class PaymentAdmin(AwardsAdmin):
    list_display = [
        "voucher_number",
        "award_column",
        "paid_on",
        "amount_column",
        "proof_column",
        "recorder",
    ]
    list_filter = ["award__pool__call"]
    list_select_related = ["recorded_by", "award__application__call"]
    search_fields = ["voucher_number", "award__application__title"]
    date_hierarchy = "paid_on"
    fields = [
        "award",
        "paid_on",
        "amount",
        "voucher_number",
        "proof_column",
        "note",
        "recorder",
        "created_at",
    ]
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "<path:object_id>/proof/",
                self.wrap(admin_views.payment_proof_view),
                name=self.url_name("proof"),
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("奖励项目"))
    def award_column(self, obj):
        return admin_link(obj.award, obj.award.application.title)

    @admin.display(description=_("金额"), ordering="amount")
    def amount_column(self, obj):
        return money(obj.amount)

    @admin.display(description=_("凭证扫描件"))
    def proof_column(self, obj):
        return proof_link(obj)

    @admin.display(description=_("登记人"))
    def recorder(self, obj):
        return obj.recorded_by or "—"


# ---------------------------------------------------------------------------
# 公示 and objections


class ObjectionInline(ReadOnlyMixin, admin.TabularInline):
    model = Objection
    fields = ["open_link", "phone", "target", "status", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("收到的异议")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("award__application")

    @admin.display(description=_("异议人"))
    def open_link(self, obj):
        return admin_link(obj, obj.name)

    @admin.display(description=_("针对项目"))
    def target(self, obj):
        return obj.award.application.title if obj.award else _("（未指定）")


@admin.register(PublicNotice)
class PublicNoticeAdmin(AwardsAdmin):
    change_form_template = "admin/awards/publicnotice/change_form.html"
    list_display = [
        "title",
        "call",
        "status",
        "starts_on",
        "ends_on",
        "objection_count",
        "pending_count",
    ]
    list_filter = ["status"]
    list_select_related = ["call"]
    inlines = [ObjectionInline]
    fields = [
        "call",
        "title",
        "body",
        "status",
        "starts_on",
        "ends_on",
        "published_at",
        "publisher",
        "confirmed_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("call", "published_by")
            .annotate(
                objection_total=Count("objections"),
                objection_pending=Count(
                    "objections", filter=Q(objections__status=ObjectionStatus.PENDING)
                ),
            )
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/confirm/",
                self.wrap(admin_views.notice_confirm_view),
                name=self.url_name("confirm"),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["notice_awards"] = list(
                Award.objects.filter(pool__call=obj.call_id, status__in=HOLDING_STATES)
                .select_related(*APPLICATION_RELATED)
                .order_by("rank", "pk")
            )
            context["can_confirm"] = obj.status == NoticeStatus.PUBLISHED
            context["period_over"] = timezone.localdate() > obj.ends_on
            context["pending_objections"] = obj.objection_pending
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("发布人"))
    def publisher(self, obj):
        return obj.published_by or "—"

    @admin.display(description=_("异议"), ordering="objection_total")
    def objection_count(self, obj):
        return obj.objection_total

    @admin.display(description=_("待处理异议"), ordering="objection_pending")
    def pending_count(self, obj):
        return obj.objection_pending


@admin.register(Objection)
class ObjectionAdmin(AwardsAdmin):
    change_form_template = "admin/awards/objection/change_form.html"
    list_display = ["name", "phone", "notice", "target", "status", "created_at", "decided_at"]
    list_filter = ["status", "notice"]
    list_select_related = ["notice", "award__application"]
    search_fields = ["name", "phone", "content"]
    date_hierarchy = "created_at"
    fields = [
        "notice",
        "target",
        "name",
        "phone",
        "email",
        "employer",
        "content",
        "evidence_link",
        "created_at",
        "status",
        "decision",
        "decider",
        "decided_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("notice", "award__application", "decided_by")
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/evidence/",
                self.wrap(admin_views.objection_evidence_view),
                name=self.url_name("evidence"),
            ),
            path(
                "<path:object_id>/resolve/",
                self.wrap(admin_views.objection_resolve_view),
                name=self.url_name("resolve"),
            ),
            *super().get_urls(),
        ]

    def history_entries(self, obj):
        """Objections are logged on their notice, with the objection's id in the data."""
        return entries_for(obj.notice).filter(data__objection=obj.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status == ObjectionStatus.PENDING:
            context["resolve_form"] = admin_views.ResolveForm()
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("针对项目"))
    def target(self, obj):
        return obj.award.application.title if obj.award else _("（未指定）")

    @admin.display(description=_("处理人"))
    def decider(self, obj):
        return obj.decided_by or "—"

    @admin.display(description=_("证明材料"))
    def evidence_link(self, obj):
        if not obj.evidence:
            return "—"
        url = reverse("admin:awards_objection_evidence", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.evidence_name or _("下载"))
