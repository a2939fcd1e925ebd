"""指标填报: branch and unit officers report their organisation's records in the portal.

Officers see only their own organisation's records (another's is a 404); staff and
leaders may open any record and its evidence (staff verify in the admin, leaders arrive
from the dashboard); experts and members get 403. A form validates, kpis.services acts,
and a DomainError becomes a message with nothing stored: the record and its evidence are
written in one transaction, and files saved before a refusal are removed again.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from society.errors import DomainError, StaleEditError
from society.rules import is_leader, is_officer, is_secretariat
from society.storage import stream_private

from .enums import Basis, RecordStatus
from .forms import MultipleFileField, RecordEditForm, RecordFilterForm, RecordForm
from .models import Indicator, ProgrammeYear, Record, RecordEvidence
from .rules import is_record_officer
from .services import evidence_add, record_report, record_update


def current_year(today=None) -> int | None:
    """The programme year under way (the latest one started), else the first one planned,
    else the latest year of the catalogue."""
    today = today or timezone.localdate()
    started = ProgrammeYear.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
    period = started or ProgrammeYear.objects.order_by("starts_on").first()
    if period is not None:
        return period.year
    return Indicator.objects.order_by("-year").values_list("year", flat=True).first()


def reportable_indicators(year: int | None) -> list[Indicator]:
    """The year's indicators counted from records (the others are computed by the platform)."""
    return list(Indicator.objects.filter(year=year, basis=Basis.RECORDS).order_by("order", "code"))


def records_for(user) -> QuerySet:
    """The records a user may open: their organisation's (officers) or all (staff, leaders)."""
    records = Record.objects.all()
    if is_secretariat(user) or is_leader(user):
        return records
    if is_officer(user):
        if user.branch_id:
            return records.filter(branch_id=user.branch_id)
        if user.member_unit_id:
            return records.filter(member_unit_id=user.member_unit_id)
    return records.none()


def add_evidence(*, record: Record, user, files) -> list[RecordEvidence]:
    """Every file or none: the caller's transaction rolls back on a refusal, and files
    already written to storage are deleted again."""
    added = []
    try:
        for file in files:
            added.append(evidence_add(record=record, user=user, file=file))
    except Exception:
        for evidence in added:
            evidence.file.delete(save=False)
        raise
    return added


# ---------------------------------------------------------------------------
# Mixins


class OfficerRequiredMixin(UserPassesTestMixin):
    """Pages only officers have: anonymous users sign in first, other roles get 403."""

    def test_func(self):
        return is_officer(self.request.user)


class RecordMixin(LoginRequiredMixin):
    """The record named in the URL, within the user's scope.

    `officer_only`: pages where the record's own officers act (edit, upload); everyone
    else who is not an officer gets 403. Reading is for officers, staff and leaders.
    """

    officer_only = False

    def get_record(self) -> Record:
        if not hasattr(self, "_record"):
            user = self.request.user
            allowed = is_officer(user) or (
                not self.officer_only and (is_secretariat(user) or is_leader(user))
            )
            if not allowed:
                raise PermissionDenied
            queryset = records_for(user).select_related("indicator", "branch", "member_unit")
            self._record = get_object_or_404(queryset, pk=self.kwargs["pk"])
        return self._record

    def detail_url(self) -> str:
        return reverse("kpis:record-detail", args=[self.kwargs["pk"]])


def refusal_message(error: DomainError | ValidationError) -> str:
    if isinstance(error, DomainError):
        return error.message
    return "；".join(error.messages)


# ---------------------------------------------------------------------------
# The list, the form, the page of one record


class RecordListView(OfficerRequiredMixin, ListView):
    template_name = "kpis/records/list.html"
    context_object_name = "records"
    paginate_by = 30

    def get_filter_form(self) -> RecordFilterForm:
        if not hasattr(self, "_filter_form"):
            own = records_for(self.request.user)
            indicators = list(
                Indicator.objects.filter(
                    Q(year=current_year(), basis=Basis.RECORDS) | Q(pk__in=own.values("indicator"))
                ).order_by("-year", "order", "code")
            )
            self._filter_form = RecordFilterForm(self.request.GET or None, indicators=indicators)
        return self._filter_form

    def get_queryset(self):
        queryset = (
            records_for(self.request.user)
            .select_related("indicator")
            .annotate(evidence_count=Count("evidence"))
            .order_by("-occurred_on", "-pk")
        )
        return self.get_filter_form().filter(queryset)

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter_form=self.get_filter_form(), query=query.urlencode(), **kwargs
        )


class RecordCreateView(OfficerRequiredMixin, TemplateView):
    template_name = "kpis/records/form.html"

    def build_form(self, data=None, files=None) -> RecordForm:
        year = current_year()
        initial = {"occurred_on": timezone.localdate()}
        if self.request.GET.get("indicator"):
            initial["indicator"] = self.request.GET["indicator"]
        return RecordForm(
            data,
            files,
            indicators=reportable_indicators(year),
            initial=initial,
            fields_url=reverse("kpis:record-indicator-fields"),
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.build_form()))

    def post(self, request, *args, **kwargs):
        form = self.build_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    record = record_report(user=request.user, data=form.values())
                    add_evidence(
                        record=record, user=request.user, files=form.cleaned_data["evidence"]
                    )
            except (DomainError, ValidationError) as error:
                form.add_error(None, refusal_message(error))
            else:
                messages.success(
                    request,
                    _("已填报“%(title)s”，等待秘书处核实。") % {"title": record.title},
                )
                return redirect("kpis:record-detail", pk=record.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RecordDetailView(RecordMixin, TemplateView):
    template_name = "kpis/records/detail.html"

    def get_context_data(self, **kwargs):
        record = self.get_record()
        own = is_record_officer(self.request.user, record)
        editable = own and record.status != RecordStatus.VERIFIED
        return super().get_context_data(
            record=record,
            evidence=list(record.evidence.all()),
            is_reporter=own,
            editable=editable,
            **kwargs,
        )


class RecordEditView(RecordMixin, TemplateView):
    officer_only = True
    template_name = "kpis/records/form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            record = self.get_record()
            if record.status == RecordStatus.VERIFIED:
                messages.error(request, _("记录已核实，不能再修改；如有错误请联系秘书处。"))
                return redirect(self.detail_url())
        return super().dispatch(request, *args, **kwargs)

    def build_form(self, data=None, files=None) -> RecordEditForm:
        record = self.get_record()
        return RecordEditForm(
            data,
            files,
            instance=record,
            indicators=reportable_indicators(record.indicator.year),
            fields_url=reverse("kpis:record-indicator-fields") + f"?year={record.indicator.year}",
        )

    def get(self, request, *args, **kwargs):
        return self.render_form(self.build_form())

    def post(self, request, *args, **kwargs):
        form = self.build_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form)
        record = self.get_record()
        changes = form.changes()
        files = form.cleaned_data["evidence"]
        if not changes and not files and record.status != RecordStatus.REJECTED:
            messages.info(request, _("没有需要保存的修改。"))
            return redirect(self.detail_url())
        # The form has set its values on the record; the service gets a fresh copy.
        stored = Record.objects.select_related("indicator").get(pk=record.pk)
        try:
            with transaction.atomic():
                if changes or stored.status == RecordStatus.REJECTED:
                    record_update(
                        record=stored,
                        user=request.user,
                        changes=changes,
                        expected_version=form.cleaned_data["version"],
                    )
                add_evidence(record=stored, user=request.user, files=files)
        except StaleEditError as error:
            form.add_error(None, error.message)
            return self.render_form(form, stale=True)
        except (DomainError, ValidationError) as error:
            form.add_error(None, refusal_message(error))
            return self.render_form(form)
        if record.status == RecordStatus.REJECTED:
            messages.success(request, _("已修改并重新提交，等待秘书处核实。"))
        else:
            messages.success(request, _("已保存。"))
        return redirect(self.detail_url())

    def render_form(self, form, **context):
        return self.render_to_response(
            self.get_context_data(form=form, record=self.get_record(), **context)
        )


class IndicatorFieldsView(LoginRequiredMixin, TemplateView):
    """htmx: the category choices and the indicator's own fields, when the indicator changes."""

    template_name = "kpis/records/_indicator_fields.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        if not is_officer(user):
            raise PermissionDenied
        try:
            year = int(self.request.GET.get("year", ""))
        except ValueError:
            year = current_year()
        form = RecordForm(
            initial={"indicator": self.request.GET.get("indicator")},
            indicators=reportable_indicators(year),
        )
        return super().get_context_data(form=form, **kwargs)


# ---------------------------------------------------------------------------
# Evidence


class EvidenceUploadView(RecordMixin, View):
    officer_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        record = self.get_record()
        field = MultipleFileField(
            required=True, error_messages={"required": _("请选择要上传的文件。")}
        )
        try:
            files = field.clean(request.FILES.getlist("evidence"))
            with transaction.atomic():
                added = add_evidence(record=record, user=request.user, files=files)
        except ValidationError as error:
            messages.error(request, _("上传失败：%(error)s") % {"error": refusal_message(error)})
        except DomainError as error:
            messages.error(request, _("上传失败：%(error)s") % {"error": error.message})
        else:
            messages.success(
                request,
                _("已上传：%(names)s。") % {"names": "、".join(e.original_name for e in added)},
            )
        return redirect(self.detail_url())


class EvidenceDownloadView(LoginRequiredMixin, View):
    """Streams a private file to those who may open its record; nobody else learns it exists."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        evidence = get_object_or_404(
            RecordEvidence, pk=self.kwargs["pk"], record__in=records_for(request.user)
        )
        return stream_private(evidence.file, evidence.original_name, evidence.content_type)
