"""The secretariat's custom admin pages: ranking and its exports, copying a call,
automatic assignment, state actions on an application and reopening reviews.

Each view is registered by its ModelAdmin's get_urls inside admin_site.admin_view (so a
visitor who is not signed in as staff is sent to the login page) and refuses everyone
but the secretariat with 403. The views validate a form and call one service.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from society import snapshot_cache
from society.errors import DomainError
from society.forms import DateInput
from society.models import Expert
from society.rules import is_secretariat

from .enums import ApplicationStatus, AttachmentKind, InspectionResult, ReviewStatus
from .exports import (
    NOT_SUBMITTED,
    ExpertCell,
    TableRow,
    export_filename,
    ranking_pdf,
    ranking_table,
    ranking_xlsx,
)
from .models import Acceptance, Attachment, Call, FinalReport, ReviewAssignment
from .selectors import call_ranking, ranking_load_applications
from .services import (
    TRANSITIONS,
    acceptance_record,
    application_transition,
    assignments_auto,
    call_copy,
    inspection_record,
    review_reopen,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def require_secretariat(request) -> None:
    if not is_secretariat(request.user):
        raise PermissionDenied


def get_object_or_404(model_admin, request, object_id):
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404
    return obj


def admin_context(model_admin, request, *, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# ---------------------------------------------------------------------------
# Ranking


RANKING_PAGE_SIZE = 100


def ranking_line(position: int, row) -> TableRow:
    """A row of the page: only the experts assigned to the application (the matrix of
    every expert against every application is nearly empty and, at some 600 experts, far
    too wide), each with the weighted total or 未提交, ordered by name."""
    cells = [
        ExpertCell(expert, row.scores[expert.pk], "submitted")
        if expert.pk in row.scores
        else ExpertCell(expert, None, NOT_SUBMITTED)
        for expert in row.experts
    ]
    return TableRow(position=position, row=row, cells=cells)


def ranking_content(call_id: int, page_number: str) -> str:
    """The ranking page's content for one page of the call's ranking. It depends on the data
    only (no user, no form), so that it is rendered once and reused until the data changes;
    the whole call's ranking (some 40 ms at scale 10) is reused the same way for its other
    pages. The call is read here, after the data version, so that nothing older than the
    version is cached under it."""
    call = Call.objects.get(pk=call_id)
    rows, experts = snapshot_cache.cached(
        "projects.call_ranking", lambda: call_ranking(call, applications=False), call.pk
    )
    paginator = Paginator(rows, RANKING_PAGE_SIZE)
    page = paginator.get_page(page_number)
    shown = ranking_load_applications(page.object_list)
    data = {
        "call": call,
        "experts": experts,
        "lines": [ranking_line(page.start_index() + i, row) for i, row in enumerate(shown)],
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
    content = render_to_string("admin/projects/call/_ranking_content.html", data)
    return mark_safe(content.strip())  # the template's own output, escaped there


def call_ranking_view(model_admin, request, object_id):
    """One row per application in ranking order, RANKING_PAGE_SIZE rows a page; the ranks
    are the call's, not the page's. The whole call is ranked on the numbers; only the
    page's applications are loaded. The exports keep one column per expert."""
    require_secretariat(request)
    call = get_object_or_404(model_admin, request, object_id)
    # Anything but digits is the first page (as Paginator.get_page has it), so one entry.
    number = request.GET.get("page", "")
    number = number if number.isdigit() else ""
    context = admin_context(
        model_admin,
        request,
        title=_("%(call)s 评审排名") % {"call": call.title},
        call=call,
        original=call,
        content=snapshot_cache.cached(
            "projects.ranking_page", lambda: ranking_content(call.pk, number), call.pk, number
        ),
    )
    return TemplateResponse(request, "admin/projects/call/ranking.html", context)


def call_ranking_xlsx_view(model_admin, request, object_id):
    require_secretariat(request)
    call = get_object_or_404(model_admin, request, object_id)
    return download(
        ranking_xlsx(ranking_table(call)),
        filename=export_filename(call, "xlsx"),
        content_type=XLSX_TYPE,
    )


def call_ranking_pdf_view(model_admin, request, object_id):
    require_secretariat(request)
    call = get_object_or_404(model_admin, request, object_id)
    return download(
        ranking_pdf(ranking_table(call)),
        filename=export_filename(call, "pdf"),
        content_type="application/pdf",
    )


# ---------------------------------------------------------------------------
# Copying a call


class CallCopyForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("新年度"), min_value=2000, max_value=2100)


def call_copy_view(model_admin, request, object_id):
    require_secretariat(request)
    call = get_object_or_404(model_admin, request, object_id)
    form = CallCopyForm(request.POST or None, initial={"year": call.year + 1})
    if request.method == "POST" and form.is_valid():
        try:
            copy = call_copy(call=call, user=request.user, year=form.cleaned_data["year"])
        except DomainError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, "；".join(error.messages))
        else:
            messages.success(
                request,
                _("已复制为“%(title)s”，请核对各阶段时间和评分标准。") % {"title": copy.title},
            )
            return HttpResponseRedirect(change_url(copy))
    context = admin_context(
        model_admin,
        request,
        title=_("复制申报批次到新年度"),
        call=call,
        original=call,
        form=form,
        criteria=list(call.criteria.all()),
    )
    return TemplateResponse(request, "admin/projects/call/copy.html", context)


# ---------------------------------------------------------------------------
# Automatic assignment


class AutoAssignForm(forms.Form):
    per_application = forms.IntegerField(
        label=gettext_lazy("每项申报评审专家数"), min_value=1, max_value=15
    )


def call_auto_assign_view(model_admin, request, object_id):
    require_secretariat(request)
    call = get_object_or_404(model_admin, request, object_id)
    form = AutoAssignForm(
        request.POST or None, initial={"per_application": call.experts_per_application}
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = assignments_auto(
                call=call, user=request.user, per_application=form.cleaned_data["per_application"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("已自动分配%(n)d项评审任务，并已通知专家。") % {"n": result["created"]}
            )
            if result["short"]:
                messages.warning(
                    request,
                    _("以下%(n)d项申报没有足够的可分配专家（已排除回避情形），请手工补充：")
                    % {"n": len(result["short"])}
                    + "、".join(f"{a.reference}《{a.title}》" for a in result["short"]),
                )
            changelist = reverse("admin:projects_reviewassignment_changelist")
            return HttpResponseRedirect(f"{changelist}?application__call__id__exact={call.pk}")
    applications = call.applications.filter(status=ApplicationStatus.UNDER_REVIEW).annotate(
        active=Count("assignments", filter=~Q(assignments__status=ReviewStatus.CONFLICT))
    )
    wanted = call.experts_per_application
    context = admin_context(
        model_admin,
        request,
        title=_("自动分配评审专家"),
        call=call,
        original=call,
        form=form,
        under_review=applications.count(),
        short_now=applications.filter(active__lt=wanted).count(),
        expert_count=Expert.objects.filter(active=True).count(),
    )
    return TemplateResponse(request, "admin/projects/call/auto_assign.html", context)


# ---------------------------------------------------------------------------
# State actions on one application


def staff_transitions(user, application) -> list:
    """The life-cycle actions this user may take on the application in its current state."""
    return [
        transition
        for transition in TRANSITIONS.values()
        if transition.manual
        and application.status in transition.sources
        and transition.actor.test(user, application)
    ]


def application_transition_view(model_admin, request, object_id, action):
    require_secretariat(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    application = get_object_or_404(model_admin, request, object_id)
    if action not in TRANSITIONS or not TRANSITIONS[action].manual:
        raise Http404
    try:
        application_transition(
            application=application,
            user=request.user,
            action=action,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已执行“%(action)s”，申报当前状态：%(status)s。")
            % {"action": TRANSITIONS[action].label, "status": application.get_status_display()},
        )
    return HttpResponseRedirect(change_url(application))


# ---------------------------------------------------------------------------
# Reopening submitted reviews


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("重新开放的理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        error_messages={"required": gettext_lazy("请填写重新开放的理由。")},
        help_text=gettext_lazy("理由会通知专家本人，并记入操作日志。"),
    )


def _selected_ids(raw: str) -> list[int]:
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


def assignment_reopen_view(model_admin, request):
    require_secretariat(request)
    ids = _selected_ids(request.POST.get("ids") or request.GET.get("ids", ""))
    assignments = list(
        ReviewAssignment.objects.filter(pk__in=ids)
        .select_related("expert", "application__call", "application__branch")
        .select_related("application__member_unit")
        .order_by("application_id", "pk")
    )
    if not assignments:
        raise Http404
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reopened = 0
        for assignment in assignments:
            try:
                review_reopen(
                    assignment=assignment, user=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                messages.error(request, f"{assignment}：{error.message}")
            else:
                reopened += 1
        if reopened:
            messages.success(request, _("已重新开放%(n)d份评审，并已通知专家。") % {"n": reopened})
        return HttpResponseRedirect(reverse("admin:projects_reviewassignment_changelist"))
    context = admin_context(
        model_admin,
        request,
        title=_("重新开放评审"),
        form=form,
        assignments=assignments,
        ids=",".join(str(a.pk) for a in assignments),
    )
    return TemplateResponse(request, "admin/projects/reviewassignment/reopen.html", context)


# ---------------------------------------------------------------------------
# Implementation of an awarded project: panels on the application page, mid-term
# inspection 中期检查 and acceptance 验收 recorded through their services.

AFTER_AWARD = (
    ApplicationStatus.AWARDED,
    ApplicationStatus.IN_PROGRESS,
    ApplicationStatus.INSPECTION,
    ApplicationStatus.FINAL_SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.FAILED,
    ApplicationStatus.ARCHIVED,
    ApplicationStatus.TERMINATED,
)
IMPLEMENTING = (ApplicationStatus.IN_PROGRESS, ApplicationStatus.INSPECTION)


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=gettext_lazy("检查日期"), widget=DateInput)
    inspectors = forms.CharField(label=gettext_lazy("检查人员"), max_length=200)
    findings = forms.CharField(
        label=gettext_lazy("检查意见"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
    )
    result = forms.ChoiceField(
        label=gettext_lazy("检查结论"), choices=InspectionResult.choices, widget=forms.RadioSelect
    )
    fix_deadline = forms.DateField(
        label=gettext_lazy("整改期限"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("结论为整改时必填。"),
    )


class AcceptanceForm(forms.Form):
    score = forms.DecimalField(label=gettext_lazy("验收得分"), max_digits=5, decimal_places=2)
    opinion = forms.CharField(
        label=gettext_lazy("验收意见"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
    )
    reviewers = forms.CharField(label=gettext_lazy("验收人员"), max_length=200)
    accepted_on = forms.DateField(label=gettext_lazy("验收日期"), widget=DateInput)


def implementation_panel(application) -> dict | None:
    """What the awardee reported and staff recorded, for the application page; None before
    the award. The forms appear only in the states their service accepts."""
    if application.status not in AFTER_AWARD:
        return None
    evidence = Attachment.objects.filter(kind=AttachmentKind.EVIDENCE)
    return {
        "progress_updates": list(
            application.progress_updates.select_related("milestone", "author")
        ),
        "inspections": list(application.inspections.select_related("recorded_by")),
        "final_report": FinalReport.objects.filter(application=application)
        .select_related("submitted_by")
        .first(),
        "acceptance": Acceptance.objects.filter(application=application).first(),
        "outputs": list(
            application.outputs.select_related("indicator").prefetch_related(
                Prefetch("evidence", queryset=evidence)
            )
        ),
        "pass_mark": application.call.acceptance_pass_mark,
        "inspection_form": InspectionForm(initial={"inspected_on": timezone.localdate()})
        if application.status in IMPLEMENTING
        else None,
        "acceptance_form": AcceptanceForm(initial={"accepted_on": timezone.localdate()})
        if application.status == ApplicationStatus.FINAL_SUBMITTED
        else None,
    }


def _record_view(model_admin, request, object_id, *, form_class, initial, record, template, title):
    """A form page that calls one service; on success back to the application page."""
    require_secretariat(request)
    application = get_object_or_404(model_admin, request, object_id)
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            message = record(application, form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, message)
            return HttpResponseRedirect(change_url(application))
    context = admin_context(
        model_admin,
        request,
        title=title,
        original=application,
        application=application,
        form=form,
        pass_mark=application.call.acceptance_pass_mark,
    )
    return TemplateResponse(request, template, context)


def application_inspection_view(model_admin, request, object_id):
    def record(application, data):
        inspection = inspection_record(application=application, user=request.user, **data)
        return _("已录入中期检查：%(result)s。") % {"result": inspection.get_result_display()}

    return _record_view(
        model_admin,
        request,
        object_id,
        form_class=InspectionForm,
        initial={"inspected_on": timezone.localdate()},
        record=record,
        template="admin/projects/application/inspection.html",
        title=_("录入中期检查"),
    )


def application_acceptance_view(model_admin, request, object_id):
    def record(application, data):
        acceptance = acceptance_record(application=application, user=request.user, **data)
        return _("已录入验收：%(score)s 分，%(result)s。") % {
            "score": acceptance.score,
            "result": acceptance.get_result_display(),
        }

    return _record_view(
        model_admin,
        request,
        object_id,
        form_class=AcceptanceForm,
        initial={"accepted_on": timezone.localdate()},
        record=record,
        template="admin/projects/application/acceptance.html",
        title=_("录入验收结果"),
    )
