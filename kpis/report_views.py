"""Progress reports for the secretariat and leadership: ask for one now, watch it being
built, download its files, and download the acceptance dossier.

Everyone else gets 403; anonymous visitors sign in first.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, ListView, View

from society.errors import DomainError
from society.storage import stream_private

from .dossier import dossier_build, dossier_filename, latest_ready_report
from .enums import ReportStatus
from .models import Indicator, ProgressReport
from .reports import CONTENT_TYPES, programme_year_for, report_create, report_filename
from .tasks import broker_down_message, queue_report_build

FINISHED = (ReportStatus.READY, ReportStatus.FAILED)


def catalogue_years() -> list[int]:
    return list(Indicator.objects.order_by("-year").values_list("year", flat=True).distinct())


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("项目年度"), coerce=int)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, _("%(year)d年度") % {"year": year}) for year in years]


class ReportAccessMixin(PermissionRequiredMixin):
    permission_required = "kpis.view_dashboard"


class ReportListView(ReportAccessMixin, ListView):
    """Past reports, newest first, and the form that asks for one now."""

    template_name = "kpis/reports/list.html"
    context_object_name = "reports"
    paginate_by = 20
    http_method_names = ["get", "post"]

    def get_queryset(self):
        return ProgressReport.objects.select_related("requested_by").order_by("-as_of", "-pk")

    def get_context_data(self, **kwargs):
        years = catalogue_years()
        current = programme_year_for(timezone.localdate())
        initial = {"year": current if current in years else (years[0] if years else None)}
        return super().get_context_data(
            form=kwargs.pop("form", None) or YearForm(years=years, initial=initial),
            dossier_form=YearForm(years=years, initial=initial, auto_id="dossier_%s"),
            finished=FINISHED,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = YearForm(request.POST, years=catalogue_years())
        if not form.is_valid():
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(form=form), status=400)
        # report_create commits the report (requests run outside a transaction), so the
        # build is queued after the commit, here rather than in on_commit, because the
        # page must say whether the queue could be reached.
        as_of = timezone.now().replace(second=0, microsecond=0)
        report = report_create(year=form.cleaned_data["year"], as_of=as_of, user=request.user)
        if report.status == ReportStatus.READY:
            messages.info(request, _("这一时点的报告已经生成，可以直接下载。"))
        elif report.status == ReportStatus.RUNNING:
            messages.info(request, _("这一时点的报告正在生成，请稍候。"))
        elif queue_report_build(report):
            messages.success(request, _("已开始生成进展报告，本页会自动显示进度。"))
        else:
            messages.error(request, broker_down_message())
        return redirect("kpis:report-detail", pk=report.pk)


class ReportDetailView(ReportAccessMixin, DetailView):
    """One report: its status, refreshed by htmx until it is ready or failed."""

    template_name = "kpis/reports/detail.html"
    context_object_name = "report"
    model = ProgressReport

    def get_queryset(self):
        return ProgressReport.objects.select_related("requested_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(finished=FINISHED, **kwargs)


class ReportStatusView(ReportDetailView):
    """The status fragment the detail page polls every two seconds."""

    template_name = "kpis/reports/_status.html"

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["Cache-Control"] = "no-store"
        return response


class ReportDownloadView(ReportAccessMixin, View):
    """The report's HTML, PDF or .xlsx, streamed from private storage."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        kind = self.kwargs["kind"]
        if kind not in CONTENT_TYPES:
            raise Http404
        report = get_object_or_404(ProgressReport, pk=self.kwargs["pk"], status=ReportStatus.READY)
        return stream_private(
            getattr(report, kind), report_filename(report, kind), CONTENT_TYPES[kind]
        )


class DossierView(ReportAccessMixin, View):
    """The acceptance dossier of a year (?year=), as one ZIP."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        years = catalogue_years()
        form = YearForm(request.GET, years=years)
        if request.GET.get("year") is None:
            form = YearForm({"year": programme_year_for(timezone.localdate())}, years=years)
        if not form.is_valid():
            messages.error(request, _("请选择有效的项目年度。"))
            return redirect("kpis:report-list")
        year = form.cleaned_data["year"]
        report = latest_ready_report(year)
        if report is None:
            messages.warning(
                request,
                _("%(year)d年度还没有已完成的进展报告，请先生成报告，再下载验收材料。")
                % {"year": year},
            )
            return redirect("kpis:report-list")
        try:
            archive = dossier_build(year=year, report=report)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("kpis:report-list")
        response = FileResponse(
            archive,
            as_attachment=True,
            filename=dossier_filename(year),
            content_type="application/zip",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
