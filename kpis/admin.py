"""The indicator catalogue in the back office: staff keep each year's targets as data."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from society.admin_mixins import AuditedAdminMixin, SecretariatModuleMixin
from society.rules import is_secretariat

from .models import Indicator


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
        (_("目标"), {"fields": ("comparator", "target", "unit", "measure")}),
        (_("方案原文"), {"fields": ("source",)}),
    )

    def has_view_permission(self, request, obj=None):
        # Leaders and officers may read the catalogue in the portal, not in the back office.
        return is_secretariat(request.user)

    @admin.display(description=_("目标"))
    def target_column(self, obj):
        return obj.target_display
