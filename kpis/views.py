"""The leadership dashboard (read only): every indicator of a programme year against its
target, the charts, and for each number the records and evidence behind it.

Secretariat and leadership only (`kpis.view_dashboard`); other signed-in users get 403,
anonymous visitors the login page.
"""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.views.generic import ListView, TemplateView

from society import snapshot_cache

from . import dashboard
from .enums import Basis, RecordStatus
from .models import Indicator
from .selectors import year_progress


class DashboardPermissionMixin(PermissionRequiredMixin):
    permission_required = "kpis.view_dashboard"


class DashboardView(DashboardPermissionMixin, TemplateView):
    template_name = "kpis/dashboard/index.html"

    def get_year(self, years: list[int]) -> int | None:
        requested = self.request.GET.get("year")
        if not requested:
            return dashboard.default_year(years)
        try:
            year = int(requested)
        except ValueError:
            raise Http404 from None
        if year not in years:
            raise Http404
        return year

    content_template_name = "kpis/dashboard/_content.html"

    def get_dashboard(self) -> dict:
        """The figures, and the page's content rendered from them (it depends on nothing
        else: no user, no form), so that both are cached together."""
        years = dashboard.dashboard_years()
        year = self.get_year(years)
        data = {"years": years, "year": year}
        if year is not None:
            data.update(dashboard.dashboard(year))
        data["content"] = render_to_string(self.content_template_name, data)
        return data

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Recomputed as soon as any data changes (see society.snapshot_cache).
        context.update(
            snapshot_cache.cached(
                "kpis.dashboard", self.get_dashboard, self.request.GET.get("year")
            )
        )
        return context


class IndicatorDetailView(DashboardPermissionMixin, ListView):
    """The verified records behind one indicator's value, each with its evidence files; or,
    for the indicators computed from the registry, the lists and counts they come from."""

    template_name = "kpis/dashboard/indicator.html"
    context_object_name = "records"
    paginate_by = 50

    @cached_property
    def indicator(self) -> Indicator:
        return get_object_or_404(Indicator, pk=self.kwargs["pk"])

    def get_queryset(self):
        indicator = self.indicator
        if indicator.basis != Basis.RECORDS:
            return indicator.records.none()
        return (
            indicator.records.filter(status=RecordStatus.VERIFIED)
            .select_related("branch", "member_unit")
            .prefetch_related("evidence")
            .order_by("-occurred_on", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        indicator = self.indicator
        result = next(r for r in year_progress(indicator.year) if r.indicator.pk == indicator.pk)
        context.update(
            indicator=indicator,
            row=dashboard.IndicatorRow(result),
            pending_count=indicator.records.filter(status=RecordStatus.REPORTED).count(),
        )
        if indicator.basis == Basis.BRANCH_PARTY_GROUPS:
            context.update(dashboard.party_group_detail())
        elif indicator.basis == Basis.FULLTIME_STAFF:
            context.update(dashboard.staff_detail())
        elif indicator.basis == Basis.MEMBER_OUTREACH:
            context.update(dashboard.outreach_detail(indicator.year))
        elif indicator.basis == Basis.SATISFACTION:
            context.update(dashboard.satisfaction_detail(indicator.year))
        return context
