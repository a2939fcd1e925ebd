"""The awardee's implementation pages: overview, progress updates, the final report.

Only the applicant's own officers open them, and only once the application is awarded:
everyone else gets the 404 of ApplicationMixin (staff work in the admin). A form validates,
a service acts; a DomainError becomes a message and changes nothing.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from awards.enums import AwardStatus
from awards.models import Payment
from society.errors import DomainError

from ..enums import ApplicationStatus as S
from ..enums import AttachmentKind
from ..implementation_forms import EvidenceForm, FinalReportForm, ProgressForm
from ..models import (
    Acceptance,
    Attachment,
    FinalReport,
    Milestone,
    PlannedOutput,
    ProgressUpdate,
)
from ..services import (
    attachment_add,
    attachment_delete,
    final_report_save,
    final_report_submit,
    progress_post,
)
from ..services.applications import IMPLEMENTING
from .applicant import ApplicationMixin

# From the award to the archive: the states in which the implementation pages exist.
IMPLEMENTATION_STATES = (
    S.AWARDED,
    S.IN_PROGRESS,
    S.INSPECTION,
    S.FINAL_SUBMITTED,
    S.ACCEPTED,
    S.FAILED,
    S.ARCHIVED,
)
# The states in which the awardee reports progress (the first report starts the work).
REPORTING_STATES = (S.AWARDED, *IMPLEMENTING)


class ImplementationMixin(ApplicationMixin):
    applicant_only = True

    def application_queryset(self):
        return super().application_queryset().filter(status__in=IMPLEMENTATION_STATES)

    def overview_url(self) -> str:
        return reverse("projects:implementation", args=[self.get_application().pk])

    def final_report_url(self) -> str:
        return reverse("projects:final-report", args=[self.get_application().pk])


def implementation_step(application) -> str:
    """What the awardee should do or wait for next, in one line."""
    end = application.call.implementation_end
    return {
        S.AWARDED: _("报告第一次项目进展即开始实施。"),
        S.IN_PROGRESS: _("按具体方案实施，并于 %(end)s 前提交工作总结和佐证材料。") % {"end": end},
        S.INSPECTION: _("中期检查要求整改：请按检查意见整改，经检查通过后方可提交结题报告。"),
        S.FINAL_SUBMITTED: _("结题报告已提交，等待学会验收。"),
        S.ACCEPTED: _("验收通过，等待归档。"),
        S.FAILED: _("验收不通过，验收意见见下方。"),
        S.ARCHIVED: _("项目已归档。"),
    }.get(application.status, "")


@dataclass
class MilestoneRow:
    milestone: Milestone
    updates: list = field(default_factory=list)

    @property
    def done(self) -> bool:
        return any(update.milestone_done for update in self.updates)


class ImplementationOverviewView(ImplementationMixin, TemplateView):
    template_name = "projects/implementation/overview.html"

    def get_context_data(self, **kwargs):
        application = self.get_application()
        rows = {m.pk: MilestoneRow(m) for m in application.milestones.all()}
        other_updates = []
        for update in ProgressUpdate.objects.filter(application=application).select_related(
            "author"
        ):
            row = rows.get(update.milestone_id)
            (row.updates if row else other_updates).append(update)
        award = application.awards.filter(status=AwardStatus.CONFIRMED).first()
        payments = Payment.objects.filter(award=award) if award else Payment.objects.none()
        return super().get_context_data(
            application=application,
            crumb=_("项目实施"),
            step=implementation_step(application),
            milestones=list(rows.values()),
            other_updates=other_updates,
            inspections=list(application.inspections.all()),
            award=award,
            payments=list(payments.order_by("paid_on", "pk").values("paid_on", "amount")),
            progress_files=list(application.attachments.filter(kind=AttachmentKind.PROGRESS)),
            report=FinalReport.objects.filter(application=application).first(),
            acceptance=Acceptance.objects.filter(application=application).first(),
            can_report=application.status in REPORTING_STATES,
            can_edit_files=application.status in IMPLEMENTING,
            **kwargs,
        )


class ProgressCreateView(ImplementationMixin, TemplateView):
    """进展报告, optionally against a milestone, with optional files of kind progress."""

    template_name = "projects/implementation/progress_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            application = self.get_application()
            if application.status not in REPORTING_STATES:
                messages.error(
                    request,
                    _("项目当前状态为“%(status)s”，不能再报告进展。")
                    % {"status": application.get_status_display()},
                )
                return redirect(self.overview_url())
        return super().dispatch(request, *args, **kwargs)

    def build_form(self, data=None, files=None) -> ProgressForm:
        milestones = list(self.get_application().milestones.all())
        return ProgressForm(data, files, milestones=milestones)

    def render_form(self, form):
        return self.render_to_response(
            self.get_context_data(
                application=self.get_application(), crumb=_("报告进展"), form=form
            )
        )

    def get(self, request, *args, **kwargs):
        return self.render_form(self.build_form())

    def post(self, request, *args, **kwargs):
        application = self.get_application()
        form = self.build_form(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # the report and its files, or nothing
                    progress_post(
                        application=application,
                        user=request.user,
                        text=data["text"],
                        reported_on=data["reported_on"],
                        milestone=data["milestone"],
                        milestone_done=data["milestone_done"],
                    )
                    for file in data["files"]:
                        attachment_add(
                            application=application,
                            user=request.user,
                            file=file,
                            kind=AttachmentKind.PROGRESS,
                            description=_("%(day)s 进展报告") % {"day": data["reported_on"]},
                        )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("进展报告已提交。"))
                return redirect(self.overview_url())
        return self.render_form(form)


class FinalReportView(ImplementationMixin, TemplateView):
    """工作总结 (saved as a draft), evidence per planned output, and 提交结题报告."""

    template_name = "projects/implementation/final_report.html"

    def outputs(self) -> list[PlannedOutput]:
        evidence = Attachment.objects.filter(kind=AttachmentKind.EVIDENCE)
        return list(
            self.get_application()
            .outputs.select_related("indicator")
            .prefetch_related(Prefetch("evidence", queryset=evidence))
        )

    def render_page(self, summary_form=None):
        application = self.get_application()
        report = FinalReport.objects.filter(application=application).first()
        outputs = self.outputs()
        can_edit = application.status in IMPLEMENTING
        if can_edit and summary_form is None:
            summary_form = FinalReportForm(initial={"summary": report.summary if report else ""})
        return self.render_to_response(
            self.get_context_data(
                application=application,
                crumb=_("结题报告"),
                report=report,
                outputs=outputs,
                missing=[output for output in outputs if not output.evidence.all()],
                can_edit=can_edit,
                can_submit=application.status == S.IN_PROGRESS,
                summary_form=summary_form if can_edit else None,
                evidence_form=EvidenceForm(outputs=outputs) if can_edit and outputs else None,
            )
        )

    def get(self, request, *args, **kwargs):
        return self.render_page()

    def post(self, request, *args, **kwargs):
        form = FinalReportForm(request.POST)
        if not form.is_valid():
            return self.render_page(summary_form=form)
        try:
            final_report_save(
                application=self.get_application(),
                user=request.user,
                summary=form.cleaned_data["summary"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("工作总结已保存。"))
        return redirect(self.final_report_url())


class EvidenceUploadView(ImplementationMixin, View):
    """One evidence file, tied to one of the application's planned outputs."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        application = self.get_application()
        outputs = list(application.outputs.select_related("indicator"))
        form = EvidenceForm(request.POST, request.FILES, outputs=outputs)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, _("上传失败：%(error)s") % {"error": error})
            return redirect(self.final_report_url())
        try:
            attachment = attachment_add(
                application=application,
                user=request.user,
                file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                kind=AttachmentKind.EVIDENCE,
                output=form.cleaned_data["output"],
            )
        except DomainError as error:
            messages.error(request, _("上传失败：%(error)s") % {"error": error.message})
        else:
            messages.success(
                request, _("已上传佐证材料“%(name)s”。") % {"name": attachment.original_name}
            )
        return redirect(self.final_report_url())


class FinalReportSubmitView(ImplementationMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            final_report_submit(application=self.get_application(), user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("结题报告已提交，等待学会验收。"))
        return redirect(self.final_report_url())


class ImplementationAttachmentDeleteView(ImplementationMixin, View):
    """Remove a progress file or an evidence file while the project is being implemented."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        attachment = get_object_or_404(
            self.get_application().attachments.exclude(kind=AttachmentKind.APPLICATION),
            pk=self.kwargs["attachment_pk"],
        )
        try:
            attachment_delete(attachment=attachment, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已删除“%(name)s”。") % {"name": attachment.original_name})
        if attachment.kind == AttachmentKind.EVIDENCE:
            return redirect(self.final_report_url())
        return redirect(self.overview_url())
