"""The officers' application portal: calls, applications, attachments, versions.

Every application is fetched through selectors.applications_for(request.user), so an
application outside the user's scope does not exist for them (404). Pages that only an
officer has (the call notices, their organisation's list) are a 403 for other roles.
A form validates, a service acts; a DomainError becomes a message and changes nothing.
"""

import copy
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from kpis.models import Indicator
from society.audit import entries_for
from society.errors import DomainError, StaleEditError
from society.rules import is_officer, is_secretariat
from society.storage import stream_private

from ..compare import CHILD_TITLES, compare_snapshots
from ..enums import ApplicationStatus as S
from ..forms import (
    CHILD_FORMS,
    ApplicationEditForm,
    ApplicationForm,
    AttachmentForm,
    IndicatorCatalogue,
    TransitionForm,
    budget_total,
    child_initial,
)
from ..models import Application, ApplicationVersion, Attachment, Call, PlannedOutput
from ..rules import is_applicant_officer
from ..selectors import applications_for
from ..services import (
    TRANSITIONS,
    application_create,
    application_snapshot,
    application_transition,
    application_update,
    attachment_add,
    attachment_delete,
    completeness_problems,
)

# Calls whose application window closed longer ago than this leave the officers' list
# (unless their organisation applied to them).
RECENT_DAYS = 180
# Applications in these states do not count against the organisation's quota.
INACTIVE_STATES = (S.WITHDRAWN, S.NOT_ACCEPTED, S.TERMINATED)
# What an officer may do to their application from the portal; staff act in the admin.
OFFICER_ACTIONS = ("submit", "withdraw")


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------
# Mixins


class OfficerRequiredMixin(UserPassesTestMixin):
    """Pages only officers have: anonymous users sign in first, other roles get 403."""

    def test_func(self):
        return is_officer(self.request.user)


class ApplicationMixin(LoginRequiredMixin):
    """The application named in the URL, within the user's scope (else 404).

    With `applicant_only`, the scope is the application's own officers: staff and
    experts who may read it still cannot act on it here.
    """

    applicant_only = False

    def application_queryset(self):
        queryset = applications_for(self.request.user)
        if self.applicant_only and not is_officer(self.request.user):
            return queryset.none()
        return queryset

    def get_application(self) -> Application:
        if not hasattr(self, "_application"):
            self._application = get_object_or_404(self.application_queryset(), pk=self.kwargs["pk"])
        return self._application

    def detail_url(self, application=None) -> str:
        application = application or self.get_application()
        return reverse("projects:application-detail", args=[application.pk])


# ---------------------------------------------------------------------------
# Calls


def calls_for_officer(user, now):
    """Open and upcoming calls, those closed recently, and any the organisation applied to."""
    own = applications_for(user).values("call_id")
    return (
        Call.objects.filter(
            Q(applications_close_at__gte=now - timedelta(days=RECENT_DAYS)) | Q(pk__in=own)
        )
        .prefetch_related("criteria")
        .order_by("-applications_open_at", "-pk")
    )


def call_phase(call: Call, now) -> str:
    if now < call.applications_open_at:
        return "upcoming"
    if now <= call.applications_close_at:
        return "open"
    return "closed"


def apply_refusal(call: Call, user, existing: list[Application], now) -> str | None:
    """Why this officer cannot start an application for this call now, or None."""
    if user.branch_id and not call.branches_eligible:
        return _("本批次不接受分支机构申报。")
    if user.member_unit_id and not call.units_eligible:
        return _("本批次不接受会员单位申报。")
    if now < call.applications_open_at:
        return _("申报尚未开始，开始时间：%(start)s（北京时间）。") % {
            "start": _local(call.applications_open_at)
        }
    if now > call.applications_close_at:
        return _("申报已于 %(end)s（北京时间）截止。") % {"end": _local(call.applications_close_at)}
    active = [a for a in existing if a.status not in INACTIVE_STATES]
    if len(active) >= call.applications_per_organisation:
        return _("本批次每个机构最多申报%(n)d项，贵机构已达上限。") % {
            "n": call.applications_per_organisation
        }
    return None


@dataclass
class CallRow:
    call: Call
    phase: str
    applications: list
    refusal: str | None

    @property
    def can_apply(self) -> bool:
        return self.refusal is None


def call_rows(calls, user, now) -> list[CallRow]:
    calls = list(calls)
    own: dict[int, list] = {}
    for application in applications_for(user).filter(call__in=calls).order_by("pk"):
        own.setdefault(application.call_id, []).append(application)
    return [
        CallRow(
            call=call,
            phase=call_phase(call, now),
            applications=own.get(call.pk, []),
            refusal=apply_refusal(call, user, own.get(call.pk, []), now),
        )
        for call in calls
    ]


class CallListView(OfficerRequiredMixin, TemplateView):
    template_name = "projects/call_list.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        calls = calls_for_officer(self.request.user, now)
        return super().get_context_data(rows=call_rows(calls, self.request.user, now), **kwargs)


class CallDetailView(OfficerRequiredMixin, TemplateView):
    template_name = "projects/call_detail.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        call = get_object_or_404(calls_for_officer(self.request.user, now), pk=self.kwargs["pk"])
        (row,) = call_rows([call], self.request.user, now)
        return super().get_context_data(row=row, call=call, **kwargs)


# ---------------------------------------------------------------------------
# Applications


def next_step(application: Application, now) -> str:
    """What the applicant should do or wait for next, in one line."""
    call = application.call
    status = application.status
    if status == S.DRAFT:
        if now <= call.applications_close_at:
            return _("完善内容后于 %(end)s 前提交") % {"end": _local(call.applications_close_at)}
        return _("申报已截止，不能再提交")
    if status == S.RETURNED:
        if now <= call.formal_check_close_at:
            return _("按退回意见修改，于 %(end)s 前重新提交") % {
                "end": _local(call.formal_check_close_at)
            }
        return _("重新提交期限已过")
    return {
        S.SUBMITTED: _("等待秘书处形式审查"),
        S.UNDER_REVIEW: _("专家评审中，请等待结果"),
        S.REVIEWED: _("评审已完成，等待公示"),
        S.PUBLICIZED: _("公示中"),
        S.NOT_ACCEPTED: _("不予受理，理由见申报详情"),
        S.WITHDRAWN: _("已撤回"),
        S.TERMINATED: _("已终止"),
    }.get(status, "—")


class ApplicationListView(OfficerRequiredMixin, ListView):
    template_name = "projects/application_list.html"
    context_object_name = "applications"
    paginate_by = 30

    def get_queryset(self):
        return applications_for(self.request.user).order_by("-call__year", "-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context["rows"] = [(a, next_step(a, now)) for a in context["applications"]]
        return context


class ApplicationCreateView(OfficerRequiredMixin, TemplateView):
    template_name = "projects/application_form.html"

    def get_call(self) -> Call:
        return get_object_or_404(
            calls_for_officer(self.request.user, timezone.now()), pk=self.kwargs["call_pk"]
        )

    def refusal(self, call) -> str | None:
        (row,) = call_rows([call], self.request.user, timezone.now())
        return row.refusal

    def get(self, request, *args, **kwargs):
        call = self.get_call()
        refusal = self.refusal(call)
        if refusal:
            messages.error(request, refusal)
            return redirect("projects:call-detail", pk=call.pk)
        return self.render_to_response(self.get_context_data(call=call, form=ApplicationForm()))

    def post(self, request, *args, **kwargs):
        call = self.get_call()
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                application = application_create(call=call, user=request.user, **form.values())
            except DomainError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request, _("申报草稿已创建。请继续填写预期成果、经费预算、项目团队和进度安排。")
                )
                return redirect("projects:application-edit", pk=application.pk)
        return self.render_to_response(self.get_context_data(call=call, form=form))


class ApplicationEditView(ApplicationMixin, TemplateView):
    """The main form and the four child tables on one page, saved together."""

    applicant_only = True
    template_name = "projects/application_edit.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            application = self.get_application()
            if not application.is_editable:
                messages.error(
                    request,
                    _("申报当前状态为“%(status)s”，不能修改。")
                    % {"status": application.get_status_display()},
                )
                return redirect(self.detail_url())
        return super().dispatch(request, *args, **kwargs)

    def build_forms(self, data=None):
        application = self.get_application()
        initial = child_initial(application)
        indicators = IndicatorCatalogue(Indicator.objects.filter(year=application.call.year))
        form_kwargs = {"outputs": {"indicators": indicators}}
        # The form sets what was typed on the application it is given; the service gets the
        # application as read (its version check finds out whether it changed since).
        self.stored = copy.copy(application)
        form = ApplicationEditForm(data, instance=application)
        formsets = {
            name: formset(
                data, prefix=name, initial=initial[name], form_kwargs=form_kwargs.get(name, {})
            )
            for name, formset in CHILD_FORMS.items()
        }
        return form, formsets

    def get(self, request, *args, **kwargs):
        return self.render_forms(*self.build_forms())

    def post(self, request, *args, **kwargs):
        form, formsets = self.build_forms(request.POST)
        if not (form.is_valid() and all(fs.is_valid() for fs in formsets.values())):
            messages.error(request, _("请按提示修改标红的内容后再保存。"))
            return self.render_forms(form, formsets)
        changed_children = {name: fs.rows() for name, fs in formsets.items() if fs.has_changed()}
        if not (set(form.changed_data) - {"version"} or changed_children):
            messages.info(request, _("没有需要保存的修改。"))
            return redirect(self.success_url())
        stored = self.stored
        try:
            application_update(
                application=stored,
                user=request.user,
                changes=form.values(),
                expected_version=form.cleaned_data["version"],
                children=changed_children,
            )
        except StaleEditError as error:
            form.add_error(None, error.message)
            current = Application.objects.select_related("field").get(pk=stored.pk)
            return self.render_forms(form, formsets, saved_by_others=saved_snapshot(current))
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(self.detail_url())
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.render_forms(form, formsets)
        messages.success(request, _("已保存。"))
        return redirect(self.success_url())

    def success_url(self) -> str:
        if self.request.POST.get("next") == "detail":
            return self.detail_url()
        return reverse("projects:application-edit", args=[self.get_application().pk])

    def render_forms(self, form, formsets, **context):
        application = self.get_application()
        budget = formsets["budget"]
        rows = budget.rows() if budget.is_bound and budget.is_valid() else budget.initial
        return self.render_to_response(
            self.get_context_data(
                application=application,
                form=form,
                formsets=[(CHILD_TITLES[name], name, fs) for name, fs in formsets.items()],
                budget_total=budget_total(rows or []),
                return_reason=latest_return_reason(application, self.request.user),
                **context,
            )
        )


def saved_snapshot(application: Application) -> list[tuple[str, object]]:
    """(label, value) of what is stored now, shown after a refused stale save."""
    data = application_snapshot(application)
    shown = [
        (Application._meta.get_field(name).verbose_name, data[name])
        for name in ("title", "area", "field", "summary", "plan")
    ]
    for name, title in CHILD_TITLES.items():
        rows = ["，".join(str(value) for value in row.values() if value) for row in data[name]]
        shown.append((title, "\n".join(rows)))
    return shown


HISTORY_ACTIONS = ["projects.application.created"] + [
    f"projects.application.{action}" for action in TRANSITIONS
]


@dataclass
class HistoryRow:
    when: object
    label: str
    actor: str
    source: str
    target: str
    target_status: str
    reason: str


def status_history(application: Application, viewer) -> list[HistoryRow]:
    """The life cycle from the audit log; staff appear as 秘书处 to everyone but staff."""
    labels = dict(S.choices)
    rows = []
    for entry in (
        entries_for(application).filter(action__in=HISTORY_ACTIONS).order_by("created_at", "id")
    ):
        verb = entry.action.rsplit(".", 1)[-1]
        actor = entry.actor
        if actor is not None and is_secretariat(actor) and not is_secretariat(viewer):
            who = _("秘书处")
        else:
            who = str(actor) if actor is not None else entry.actor_repr or _("系统")
        data = entry.data or {}
        rows.append(
            HistoryRow(
                when=entry.created_at,
                label=_("创建草稿") if verb == "created" else str(TRANSITIONS[verb].label),
                actor=who,
                source=str(labels.get(data.get("from"), "")),
                target=str(labels.get(data.get("to"), "")),
                target_status=data.get("to", ""),
                reason=data.get("reason", ""),
            )
        )
    return rows


def latest_return_reason(application: Application, viewer, history=None) -> str:
    """The reason given when the application was last returned for changes (or "")."""
    if application.status != S.RETURNED:
        return ""
    history = status_history(application, viewer) if history is None else history
    returns = [row for row in history if row.target_status == S.RETURNED]
    return returns[-1].reason if returns else ""


def detail_queryset(queryset):
    return queryset.prefetch_related(
        Prefetch("outputs", queryset=PlannedOutput.objects.select_related("indicator")),
        "budget",
        "team",
        "milestones",
        "attachments",
        Prefetch(
            "versions",
            queryset=ApplicationVersion.objects.select_related("submitted_by").order_by("number"),
        ),
    )


class ApplicationDetailView(ApplicationMixin, TemplateView):
    template_name = "projects/application_detail.html"

    def application_queryset(self):
        return detail_queryset(super().application_queryset())

    def get_context_data(self, **kwargs):
        user = self.request.user
        application = self.get_application()
        applicant = is_applicant_officer(user, application)
        editable = applicant and application.is_editable
        history = status_history(application, user) if applicant or is_secretariat(user) else []
        return super().get_context_data(
            application=application,
            is_applicant=applicant,
            editable=editable,
            problems=completeness_problems(application) if editable else [],
            budget_total=sum(line.amount for line in application.budget.all()),
            actions=[
                TRANSITIONS[action]
                for action in OFFICER_ACTIONS
                if application.status in TRANSITIONS[action].sources
                and TRANSITIONS[action].actor.test(user, application)
            ],
            transition_form=TransitionForm(),
            upload_form=AttachmentForm() if editable else None,
            history=history,
            return_reason=latest_return_reason(application, user, history),
            show_versions=applicant or is_secretariat(user),
            next_step=next_step(application, timezone.now()) if applicant else "",
            **kwargs,
        )


class ApplicationTransitionView(ApplicationMixin, View):
    """POST only: 提交 or 撤回; every other action happens in the admin."""

    applicant_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        action = self.kwargs["action"]
        if action not in OFFICER_ACTIONS:
            raise Http404
        application = self.get_application()
        form = TransitionForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        if action == "withdraw" and not data.get("confirm"):
            messages.error(request, _("撤回后不能恢复；请勾选“我确认撤回此申报”后再撤回。"))
            return redirect(self.detail_url())
        try:
            application_transition(
                application=application,
                user=request.user,
                action=action,
                reason=data.get("reason", ""),
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("已%(action)s。当前状态：%(status)s。")
                % {
                    "action": TRANSITIONS[action].label,
                    "status": application.get_status_display(),
                },
            )
        return redirect(self.detail_url())


# ---------------------------------------------------------------------------
# Attachments


class AttachmentUploadView(ApplicationMixin, View):
    applicant_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        application = self.get_application()
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, _("上传失败：%(error)s") % {"error": error})
            return redirect(self.detail_url())
        try:
            attachment = attachment_add(
                application=application,
                user=request.user,
                file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            messages.error(request, _("上传失败：%(error)s") % {"error": error.message})
        else:
            messages.success(
                request, _("已上传附件“%(name)s”。") % {"name": attachment.original_name}
            )
        return redirect(self.detail_url())


class AttachmentMixin(LoginRequiredMixin):
    applicant_only = False

    def get_attachment(self) -> Attachment:
        user = self.request.user
        if self.applicant_only and not is_officer(user):
            raise Http404
        return get_object_or_404(
            Attachment.objects.select_related("application"),
            pk=self.kwargs["pk"],
            application__in=applications_for(user),
        )


class AttachmentDownloadView(AttachmentMixin, View):
    """Streams a private file to those who may see its application; nobody else learns it exists."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        return stream_private(attachment.file, attachment.original_name, attachment.content_type)


class AttachmentDeleteView(AttachmentMixin, View):
    applicant_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        application = attachment.application
        try:
            attachment_delete(attachment=attachment, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("已删除附件“%(name)s”。") % {"name": attachment.original_name}
            )
        return redirect("projects:application-detail", pk=application.pk)


# ---------------------------------------------------------------------------
# Versions and their comparison


class ApplicationVersionsView(ApplicationMixin, TemplateView):
    """Every submitted version, and two of them compared (?a=1&b=2; the last two by default)."""

    template_name = "projects/application_versions.html"

    def get_context_data(self, **kwargs):
        application = self.get_application()
        versions = list(application.versions.select_related("submitted_by").order_by("number"))
        by_number = {v.number: v for v in versions}

        def chosen(param, default):
            try:
                return by_number.get(int(self.request.GET.get(param, "")), default)
            except ValueError:
                return default

        newer = chosen("b", versions[-1] if versions else None)
        older = chosen("a", versions[-2] if len(versions) > 1 else None)
        comparison, single = None, False
        if newer and older and older.number != newer.number:
            older, newer = sorted((older, newer), key=lambda v: v.number)
            comparison = compare_snapshots(older.data, newer.data)
        elif newer:  # one version alone: compared with itself, shown unmarked
            older, single = None, True
            comparison = compare_snapshots(newer.data, newer.data)
        return super().get_context_data(
            application=application,
            versions=versions,
            older=older,
            newer=newer,
            comparison=comparison,
            single=single,
            **kwargs,
        )
