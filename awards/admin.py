"""The secretariat's back office for awards (a first cut; pool, notice and payment pages
are built on these)."""

from django.contrib import admin

from society.admin_mixins import AuditedAdminMixin, SecretariatModuleMixin

from .models import Award, AwardPool, Objection, Payment, PublicNotice


class ReadOnlyAdmin(SecretariatModuleMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Rows here are written by awards.services only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AwardPool)
class AwardPoolAdmin(ReadOnlyAdmin):
    list_display = ["call", "award_count", "committed_count", "fund_total", "committed_amount"]
    list_select_related = ["call"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["application", "status", "amount", "paid_amount", "rank", "score"]
    list_filter = ["status", "pool__call"]
    list_select_related = ["application__call", "pool"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["voucher_number", "award", "paid_on", "amount"]
    list_select_related = ["award__application__call"]


@admin.register(PublicNotice)
class PublicNoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "starts_on", "ends_on"]
    list_select_related = ["call"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["name", "notice", "award", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["notice", "award__application"]
